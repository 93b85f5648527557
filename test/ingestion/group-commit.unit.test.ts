import { GroupCommitter, QueueFullError, type GroupCommitOptions } from '../../src/ingestion/group-commit';

/** A write that records the groups it was given and answers each item doubled. */
function recordingWrite(fail?: (items: number[]) => boolean) {
  const groups: number[][] = [];
  const write = async (items: number[]) => {
    groups.push(items);
    await new Promise((resolve) => setTimeout(resolve, 0));
    if (fail?.(items)) throw new Error(`cannot write ${items.join(',')}`);
    return items.map((item) => item * 2);
  };
  return { groups, write };
}

/** A committer whose waiting line is long enough not to matter unless a test says otherwise. */
function committerOf<R>(
  write: (items: number[]) => Promise<R[]>,
  options: Omit<GroupCommitOptions, 'maxWaiting'> & { maxWaiting?: number },
): GroupCommitter<number, R> {
  return new GroupCommitter(write, { maxWaiting: 1_000, ...options });
}

/** A write that holds every call until `release`, counting the calls in flight at once. */
function stalledWrite(fail: (items: number[]) => boolean = () => false) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const calls: number[][] = [];
  let inFlight = 0;
  let mostInFlight = 0;
  const write = async (items: number[]) => {
    calls.push(items);
    inFlight += 1;
    mostInFlight = Math.max(mostInFlight, inFlight);
    await released;
    await new Promise((resolve) => setTimeout(resolve, 1));
    inFlight -= 1;
    if (fail(items)) throw new Error(`cannot write ${items.join(',')}`);
    return items.map((item) => item * 2);
  };
  return { write, release, calls, mostInFlight: () => mostInFlight };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('GroupCommitter', () => {
  it('writes items submitted together in one call and answers each its own result', async () => {
    const { groups, write } = recordingWrite();
    const committer = committerOf(write, { maxWaitMs: 20, maxItems: 100, maxConcurrent: 4 });
    const results = await Promise.all([1, 2, 3].map((n) => committer.submit(n)));
    expect(results).toEqual([2, 4, 6]);
    expect(groups).toEqual([[1, 2, 3]]);
  });

  it('writes a full group at once instead of waiting for the timer', async () => {
    const { groups, write } = recordingWrite();
    const committer = committerOf(write, { maxWaitMs: 60_000, maxItems: 2, maxConcurrent: 4 });
    await expect(Promise.all([committer.submit(1), committer.submit(2)])).resolves.toEqual([2, 4]);
    expect(groups).toEqual([[1, 2]]);
  });

  it('when the shared write fails, retries each item alone so only the bad one fails', async () => {
    const { groups, write } = recordingWrite((items) => items.includes(13));
    const committer = committerOf(write, { maxWaitMs: 5, maxItems: 100, maxConcurrent: 4 });
    const outcomes = await Promise.allSettled([1, 13, 3].map((n) => committer.submit(n)));
    expect(outcomes).toEqual([
      { status: 'fulfilled', value: 2 },
      { status: 'rejected', reason: new Error('cannot write 13') },
      { status: 'fulfilled', value: 6 },
    ]);
    expect(groups).toEqual([[1, 13, 3], [1], [13], [3]]);
  });

  it('drain answers items still waiting for their timer', async () => {
    const { write } = recordingWrite();
    const committer = committerOf(write, { maxWaitMs: 60_000, maxItems: 100, maxConcurrent: 4 });
    let answered = false;
    const pending = committer.submit(5).then((value) => {
      answered = true;
      return value;
    });
    await committer.drain();
    expect(answered).toBe(true);
    await expect(pending).resolves.toBe(10);
  });

  it('while the concurrency limit is reached, new items gather and go out as the next group', async () => {
    const stalled = stalledWrite();
    const committer = committerOf(stalled.write, { maxWaitMs: 0, maxItems: 100, maxConcurrent: 1 });
    const submitted = [committer.submit(1)];
    await tick(); // [1] is being written and holds the only slot until release
    // Each later item's timer runs out while [1] is still being written; none starts a write of its own.
    for (const n of [2, 3, 4]) {
      submitted.push(committer.submit(n));
      await tick();
    }
    expect(stalled.calls).toEqual([[1]]);
    stalled.release();
    await expect(Promise.all(submitted)).resolves.toEqual([2, 4, 6, 8]);
    expect(stalled.calls).toEqual([[1], [2, 3, 4]]);
  });

  it('never writes a group larger than maxItems', async () => {
    const { groups, write } = recordingWrite();
    const committer = committerOf(write, { maxWaitMs: 1, maxItems: 2, maxConcurrent: 1 });
    await Promise.all([1, 2, 3, 4, 5].map((n) => committer.submit(n)));
    expect(groups.map((group) => group.length)).toEqual([2, 2, 1]);
  });

  it('reports the size of each group it writes', async () => {
    const sizes: number[] = [];
    const { write } = recordingWrite();
    const committer = committerOf(write, {
      maxWaitMs: 10,
      maxItems: 100,
      maxConcurrent: 4,
      onFlush: (n) => sizes.push(n),
    });
    await Promise.all([1, 2, 3, 4].map((n) => committer.submit(n)));
    expect(sizes).toEqual([4]);
  });

  it('retries the items of failed groups one at a time within the concurrency bound', async () => {
    // Every group of more than one fails, so each group falls back to its items alone.
    const stalled = stalledWrite((items) => items.length > 1 || items[0] === 13);
    const committer = committerOf(stalled.write, { maxWaitMs: 0, maxItems: 5, maxConcurrent: 2 });
    const items = Array.from({ length: 30 }, (_, index) => index);
    items[13] = 13;
    const outcomes = Promise.allSettled(items.map((n) => committer.submit(n)));
    await tick();
    stalled.release();

    const settled = await outcomes;
    expect(settled.filter((outcome) => outcome.status === 'rejected')).toEqual([
      { status: 'rejected', reason: new Error('cannot write 13') },
    ]);
    expect(settled.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(29);
    expect(stalled.calls.filter((call) => call.length === 1)).toHaveLength(30);
    expect(stalled.mostInFlight()).toBe(2);
  });

  it('past maxWaiting waiting items, refuses a new one at once with QueueFullError and answers the rest once written', async () => {
    const stalled = stalledWrite();
    let refusals = 0;
    const committer = committerOf(stalled.write, {
      maxWaitMs: 0,
      maxItems: 2,
      maxConcurrent: 1,
      maxWaiting: 3,
      onRefused: () => (refusals += 1),
    });
    const first = committer.submit(1);
    await tick(); // [1] is being written and holds the only slot
    const queued = [2, 3, 4].map((n) => committer.submit(n));

    await expect(committer.submit(5)).rejects.toBeInstanceOf(QueueFullError);
    await expect(committer.submit(6)).rejects.toMatchObject({ status: 503, headers: { 'Retry-After': '1' } });
    expect(refusals).toBe(2);

    stalled.release();
    await expect(Promise.all([first, ...queued])).resolves.toEqual([2, 4, 6, 8]);
    // Room again once the line has moved.
    await expect(committer.submit(7)).resolves.toBe(14);
  });

  it('fails every item of a failed group alike when the failure is not about any item', async () => {
    const { groups, write } = recordingWrite(() => true);
    const committer = committerOf(write, { maxWaitMs: 5, maxItems: 100, maxConcurrent: 4, retryAlone: () => false });
    const outcomes = await Promise.allSettled([1, 2, 3].map((n) => committer.submit(n)));
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(groups).toEqual([[1, 2, 3]]);
  });
});
