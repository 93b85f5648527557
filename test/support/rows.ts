import type { DataSource } from 'typeorm';

/** Direct reads of what was committed, bypassing the service under test. */
export async function historyRows(dataSource: DataSource, type: 'meter' | 'vehicle', id: string) {
  return dataSource.query(`SELECT * FROM ${type}_history WHERE ${type}_id = $1 ORDER BY ts`, [id]);
}

export async function liveRow(dataSource: DataSource, type: 'meter' | 'vehicle', id: string) {
  const rows = await dataSource.query(`SELECT * FROM ${type}_live WHERE ${type}_id = $1`, [id]);
  return rows[0];
}

export async function countAll(dataSource: DataSource): Promise<number> {
  const [{ n }] = await dataSource.query(`
    SELECT (SELECT count(*) FROM meter_history) + (SELECT count(*) FROM vehicle_history)
         + (SELECT count(*) FROM meter_live) + (SELECT count(*) FROM vehicle_live) AS n`);
  return Number(n);
}
