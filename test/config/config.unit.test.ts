import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config/config';

describe('loadConfig', () => {
  it('with nothing set, serves on 3000 from an embedded PostgreSQL under ./data', () => {
    const config = loadConfig({}, '/srv/fleet');
    expect(config.port).toBe(3000);
    expect(config.nodeEnv).toBe('development');
    expect(config.database).toEqual({
      kind: 'embedded',
      dataDir: path.resolve('/srv/fleet', 'data/postgres'),
      port: 54329,
      database: 'fleet_platform',
    });
    expect(config.db.migrate).toBe(true);
    expect(config.ingestion).toEqual({
      batchMaxItems: 5000,
      bodyLimit: '2mb',
      maxClockSkewSeconds: 300,
      groupCommitMs: 2,
      groupCommitMax: 500,
      queueMax: 10_000,
      maxReadingKwh: 1_000,
      registers: { dipShare: 0.1, maxPowerKw: 1_000 },
    });
  });

  it('any DB_* variable selects an external server, with the built-in defaults for the rest', () => {
    expect(loadConfig({ DB_HOST: 'db.internal', DB_PASSWORD: 'secret' }).database).toEqual({
      kind: 'params',
      host: 'db.internal',
      port: 5432,
      username: 'postgres',
      password: 'secret',
      database: 'fleet_platform',
    });
  });

  it('DATABASE_URL is the alternative to DB_*', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u:p@h:6543/fleet' }).database).toEqual({
      kind: 'url',
      url: 'postgres://u:p@h:6543/fleet',
    });
  });

  it('empty values count as unset', () => {
    expect(loadConfig({ PORT: '', DB_HOST: '' }).database.kind).toBe('embedded');
  });

  it('parses numbers and booleans', () => {
    const config = loadConfig({
      PORT: '8080',
      DB_MIGRATE: 'false',
      BATCH_MAX_ITEMS: '10',
      MAX_CLOCK_SKEW_SECONDS: '0',
    });
    expect(config).toMatchObject({
      port: 8080,
      db: { migrate: false },
      ingestion: { batchMaxItems: 10, maxClockSkewSeconds: 0 },
    });
  });

  it.each([
    ['PORT', { PORT: 'eighty' }],
    ['PORT', { PORT: '70000' }],
    ['NODE_ENV', { NODE_ENV: 'staging' }],
    ['DB_PORT', { DB_PORT: '5432x' }],
    ['DB_MIGRATE', { DB_MIGRATE: 'yes' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://x' }],
    ['BATCH_MAX_ITEMS', { BATCH_MAX_ITEMS: '0' }],
    ['BODY_LIMIT', { BODY_LIMIT: 'a lot' }],
    ['DB_NAME', { DB_NAME: 'fleet; drop' }],
    ['EFFICIENCY_ALERT_THRESHOLD', { EFFICIENCY_ALERT_THRESHOLD: '1.5' }],
    ['EFFICIENCY_ALERT_THRESHOLD', { EFFICIENCY_ALERT_THRESHOLD: 'high' }],
  ])('fails fast naming %s when it is invalid', (name, env) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(`${name}=`));
  });

  it('flags efficiency below 0.85 unless EFFICIENCY_ALERT_THRESHOLD says otherwise', () => {
    expect(loadConfig({}).analytics.efficiencyAlertThreshold).toBe(0.85);
    expect(loadConfig({ EFFICIENCY_ALERT_THRESHOLD: '0.9' }).analytics.efficiencyAlertThreshold).toBe(0.9);
  });

  it('seals the rollups every 5 minutes unless ROLLUP_SEAL_INTERVAL_MS says otherwise, never more often than a second', () => {
    expect(loadConfig({}).analytics.rollupSealIntervalMs).toBe(300_000);
    expect(loadConfig({ ROLLUP_SEAL_INTERVAL_MS: '60000' }).analytics.rollupSealIntervalMs).toBe(60_000);
    expect(() => loadConfig({ ROLLUP_SEAL_INTERVAL_MS: '10' })).toThrow(/ROLLUP_SEAL_INTERVAL_MS/);
  });

  it('alarms after 2 low sessions, clears 0.02 above the threshold and calls a device silent after 15 minutes by default', () => {
    expect(loadConfig({}).alarms).toEqual({
      lowEfficiencySessions: 2,
      clearMargin: 0.02,
      silentAfterSeconds: 900,
      checkIntervalMs: 60_000,
    });
  });

  it.each([
    ['900 s', 900],
    ['15 min', 900],
    ['2 hours', 7200],
    ['1h', 3600],
    ['90 seconds', 90],
  ])('reads ALARM_SILENT_AFTER=%s as %i seconds', (text, seconds) => {
    expect(loadConfig({ ALARM_SILENT_AFTER: text }).alarms.silentAfterSeconds).toBe(seconds);
  });

  it.each(['soon', '15', '0 min', '-5 min', '1.5 hours', '3 days'])('refuses ALARM_SILENT_AFTER=%s', (text) => {
    expect(() => loadConfig({ ALARM_SILENT_AFTER: text })).toThrow(/ALARM_SILENT_AFTER/);
  });

  it('refuses DATABASE_URL together with DB_* variables', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://h/db', DB_HOST: 'h' })).toThrow(/not both/);
  });
});
