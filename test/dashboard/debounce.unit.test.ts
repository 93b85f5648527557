import { debounced } from '../../dashboard/src/debounce';

// The fleet page reads its alarms, KPIs and ranking again after alarm events: once per burst, never two
// reads at once, and not put off for ever by a steady trickle.

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

/** A run that stays open until `finish` is called, counting how often it started. */
function controlledRun() {
  const state = { started: 0, finish: () => undefined as void };
  const run = () =>
    new Promise<void>((resolve) => {
      state.started += 1;
      state.finish = resolve;
    });
  return { state, run };
}

it('runs once after a burst has been quiet for the wait', async () => {
  const { state, run } = controlledRun();
  const refresh = debounced(run, 400);
  for (let i = 0; i < 10; i += 1) {
    refresh.schedule();
    await jest.advanceTimersByTimeAsync(100);
  }
  expect(state.started).toBe(0);
  await jest.advanceTimersByTimeAsync(400);
  expect(state.started).toBe(1);
});

it('runs at the latest the longest wait after a burst began, however long it lasts', async () => {
  const { state, run } = controlledRun();
  const refresh = debounced(run, 400, 1_000);
  for (let i = 0; i < 11; i += 1) {
    refresh.schedule();
    await jest.advanceTimersByTimeAsync(100);
  }
  expect(state.started).toBe(1);
});

it('never runs twice at once: a call during a run gets one more run after it', async () => {
  const { state, run } = controlledRun();
  const refresh = debounced(run, 400);
  refresh.schedule();
  await jest.advanceTimersByTimeAsync(400);
  expect(state.started).toBe(1);
  refresh.schedule();
  refresh.schedule();
  await jest.advanceTimersByTimeAsync(1_000);
  expect(state.started).toBe(1);
  state.finish();
  await jest.advanceTimersByTimeAsync(0);
  expect(state.started).toBe(2);
  state.finish();
  await jest.advanceTimersByTimeAsync(1_000);
  expect(state.started).toBe(2);
});

it('goes on after a run fails, and runs no more once cancelled', async () => {
  let runs = 0;
  const refresh = debounced(() => {
    runs += 1;
    return Promise.reject(new Error('the service could not be reached'));
  }, 400);
  refresh.schedule();
  await jest.advanceTimersByTimeAsync(400);
  refresh.schedule();
  await jest.advanceTimersByTimeAsync(400);
  expect(runs).toBe(2);
  refresh.schedule();
  refresh.cancel();
  refresh.schedule();
  await jest.advanceTimersByTimeAsync(1_000);
  expect(runs).toBe(2);
});
