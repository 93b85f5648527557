import 'reflect-metadata';
import dotenv from 'dotenv';
import { loadConfig } from './src/config/config';
import { buildDataSource } from './src/db/data-source';
import { connectionTarget } from './src/db/database';

dotenv.config({ quiet: true });
const config = loadConfig();

/**
 * The DataSource of the TypeORM CLI (npm run migration:*). With no database configured it points at
 * the embedded server, which `npm start` or `npm run dev` must be running for the CLI to reach it.
 */
export default buildDataSource(connectionTarget(config.database), config.db);
