import type { MeterReading } from '../../src/ingestion/ingestion.dto';
import { IngestionRepository } from '../../src/ingestion/ingestion.repository';
import { IngestionService } from '../../src/ingestion/ingestion.service';
import { createMetrics } from '../../src/observability/metrics';
import { meterReading } from '../support/factories';
import { historyRows } from '../support/rows';
import { createIsolatedDatabase, type IsolatedDatabase } from '../support/test-database';

let db: IsolatedDatabase;
beforeAll(async () => {
  db = await createIsolatedDatabase();
});
afterAll(() => db.drop());

/**
 * The service over the real repository, with groups that go out only once `size` readings wait (the
 * timer is far beyond any test): readings submitted together share one group however slowly they
 * arrive. Each write the repository receives is recorded by its number of readings.
 */
function groupsOf(size: number) {
  const repository = new IngestionRepository(db.dataSource);
  const write = jest.spyOn(repository, 'write');
  const service = new IngestionService(repository, {
    groupCommitMs: 60_000,
    groupCommitMax: size,
    groupCommitConcurrency: 1,
    queueMax: 100,
    metrics: createMetrics(),
  });
  return { service, writes: () => write.mock.calls.map(([readings]) => readings.length) };
}

const reading = (body: ReturnType<typeof meterReading>): MeterReading => ({
  type: 'meter',
  ...body,
  timestamp: new Date(body.timestamp),
});

describe('single readings under group commit', () => {
  it('two copies of one reading in the same group: the first is stored, the second is a duplicate', async () => {
    const { service, writes } = groupsOf(2);
    const body = meterReading();
    const answers = await Promise.all([service.ingestOne(reading(body)), service.ingestOne(reading(body))]);
    expect(answers).toEqual([{ duplicate: false }, { duplicate: true }]);
    expect(writes()).toEqual([2]);
    expect(await historyRows(db.dataSource, 'meter', body.meterId)).toHaveLength(1);
  });

  it('a reading the database refuses fails alone; its group mates are stored and acknowledged', async () => {
    await db.dataSource.query('ALTER TABLE meter_live ADD CONSTRAINT test_low_voltage CHECK (voltage < 1000)');
    try {
      const { service, writes } = groupsOf(4);
      const good = [meterReading(), meterReading(), meterReading()];
      const bad = meterReading({ voltage: 1500 });
      const outcomes = await Promise.allSettled(
        [good[0], bad, good[1], good[2]].map((body) => service.ingestOne(reading(body))),
      );
      expect(outcomes).toEqual([
        { status: 'fulfilled', value: { duplicate: false } },
        {
          status: 'rejected',
          reason: expect.objectContaining({ message: expect.stringContaining('test_low_voltage') }),
        },
        { status: 'fulfilled', value: { duplicate: false } },
        { status: 'fulfilled', value: { duplicate: false } },
      ]);
      // The group failed as a whole, then each of its readings was written alone.
      expect(writes()).toEqual([4, 1, 1, 1, 1]);
      for (const body of good) {
        expect(await historyRows(db.dataSource, 'meter', body.meterId)).toHaveLength(1);
      }
      expect(await historyRows(db.dataSource, 'meter', bad.meterId)).toHaveLength(0);
    } finally {
      await db.dataSource.query('ALTER TABLE meter_live DROP CONSTRAINT test_low_voltage');
    }
  });
});
