import { DataSource } from 'typeorm';
import { migrations } from '../../migrations';
import { buildDataSource, withDatabase } from '../../src/db/data-source';
import { adminQuery } from '../../tools/shared/admin-database';
import { testConfig, testServer } from './test-database';

type Migration = (typeof migrations)[number];

export interface MigrationDatabase {
  dataSource: DataSource;
  drop(): Promise<void>;
}

/**
 * A database of the test's own, migrated up to just before `migration` and opened with the migrations
 * up to it: the test fills it the way the schema was then, and `runMigrations` applies that one alone
 * (later migrations stay out, so applying and undoing concern this one only).
 */
export async function databaseBefore(suffix: string, migration: Migration): Promise<MigrationDatabase> {
  const name = `${testServer().template}_${suffix}`;
  const { target } = testServer();
  await adminQuery(target, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await adminQuery(target, `CREATE DATABASE "${name}"`);
  const position = migrations.indexOf(migration);
  const options = buildDataSource(withDatabase(target, name), testConfig().db).options;
  const before = await new DataSource({ ...options, migrations: migrations.slice(0, position) }).initialize();
  await before.runMigrations({ transaction: 'each' });
  await before.destroy();
  const dataSource = await new DataSource({ ...options, migrations: migrations.slice(0, position + 1) }).initialize();
  return {
    dataSource,
    async drop() {
      await dataSource.destroy();
      await adminQuery(target, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}
