import { CreateTelemetryTables1764320000000 } from './1764320000000-CreateTelemetryTables';

/**
 * Listed explicitly rather than globbed so the same list works from TypeScript sources (dev, jest)
 * and from the compiled build. `npm run migration:generate` writes a new file: add it here.
 */
export const migrations = [CreateTelemetryTables1764320000000];
