import { askAlarms } from '../../tools/simulator/alarm-watch';
import type { LowEfficiencyAlarm } from '../../tools/simulator/answers';
import type { SimulatorClient } from '../../tools/simulator/simulator.client';

// V1 is faulty and V2 healthy; the service answers from a script, one answer per read of the alarms.
const run = {
  from: new Date('2026-06-01T00:00:00Z'),
  to: new Date('2026-06-02T00:00:00Z'),
  vehicles: [
    { vehicleId: 'V1', capacityKwh: 77, efficiency: 0.8, faulty: true },
    { vehicleId: 'V2', capacityKwh: 77, efficiency: 0.9, faulty: false },
  ],
};

const alarm = (id: string, vehicleId: string): LowEfficiencyAlarm => ({
  id,
  subject: { kind: 'vehicle', id: vehicleId },
  suspect: null,
  details: { sessions: [] },
});

/** A service whose open alarms are `reads[i]` at the i-th read (the last one from then on), and whose V1 charged twice. */
function service(reads: LowEfficiencyAlarm[][]) {
  let read = 0;
  const answer = (body: unknown) => Promise.resolve({ ok: true, status: 200, body });
  const client = {
    get(path: string) {
      if (path.startsWith('/v1/alarms?'))
        return answer({ alarms: reads[Math.min(read++, reads.length - 1)], nextCursor: null });
      if (path.startsWith('/v1/charging-sessions?vehicleId=V1&')) {
        return answer({
          sessions: ['01', '02'].map((hour) => ({
            id: `session-${hour}`,
            startedAt: `2026-06-01T${hour}:00:00Z`,
            endedAt: `2026-06-01T${hour}:30:00Z`,
          })),
        });
      }
      // The first session's figures are complete, the second's miss meter readings.
      const first = path.includes('from=2026-06-01T01');
      return answer({ efficiencyRatio: 0.8, dataQuality: first ? [] : ['incomplete-ac'] });
    },
  };
  return { client: client as unknown as SimulatorClient, reads: () => read };
}

describe('the simulator report’s wait for the alarm check', () => {
  it('reads until the alarms stay unchanged for the wait, then counts the complete sessions of faulty vehicles left alone', async () => {
    const { client } = service([[], [], [alarm('a', 'V2'), alarm('other', 'ELSEWHERE')]]);
    const notices: string[] = [];
    const asked = await askAlarms(client, run, 400, (line) => notices.push(line));
    expect(notices).toEqual([
      "Waiting     for the service's alarm check, until its open alarms stay unchanged for 0.4 s (1.2 s at most)",
    ]);
    expect(asked).toMatchObject({ ok: true, answers: { alarms: [alarm('a', 'V2')], wait: { settled: true } } });
    const { answers } = asked as Extract<typeof asked, { ok: true }>;
    // Two reads 0.1 s apart before the change, then 0.4 s unchanged.
    expect(answers.wait.waitedMs).toBeGreaterThanOrEqual(600);
    expect(answers.completeSessions).toEqual(new Map([['V1', 1]]));
  });

  it('gives up after three waits when the alarms keep changing, and reads once without a wait', async () => {
    const changing = service(Array.from({ length: 100 }, (_, i) => [alarm(`a${i}`, 'V1')]));
    const asked = await askAlarms(changing.client, run, 200, () => undefined);
    expect(asked).toMatchObject({ ok: true, answers: { wait: { settled: false }, completeSessions: new Map() } });
    const { answers } = asked as Extract<typeof asked, { ok: true }>;
    expect(answers.wait.waitedMs).toBeGreaterThanOrEqual(600);

    const once = service([[alarm('a', 'V1')], []]);
    const notices: string[] = [];
    expect(await askAlarms(once.client, run, 0, (line) => notices.push(line))).toMatchObject({
      ok: true,
      answers: { alarms: [alarm('a', 'V1')], wait: { settled: true } },
    });
    expect([once.reads(), notices]).toEqual([1, []]);
  });
});
