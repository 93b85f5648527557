import 'reflect-metadata';
import path from 'node:path';
import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
} from 'class-validator';

export type NodeEnv = 'development' | 'production' | 'test';

/**
 * DEVICE_REGISTRY: `open` takes readings of devices the registry does not hold (a fresh install, the
 * curl examples); `required` takes only registered, active devices' readings.
 */
export const REGISTRY_MODES = ['open', 'required'] as const;
export type RegistryMode = (typeof REGISTRY_MODES)[number];

export type DatabaseTarget =
  | { kind: 'url'; url: string }
  | { kind: 'params'; host: string; port: number; username: string; password: string; database: string }
  | { kind: 'embedded'; dataDir: string; port: number; database: string };

/** A span of calendar time in UTC; years are written as 12 months. */
export interface CalendarInterval {
  count: number;
  unit: 'day' | 'week' | 'month';
}

/** How interval energy is derived from cumulative registers (src/ingestion/registers.ts). */
export interface RegisterRules {
  /** A drop of less than this share of the base is a dip, held: REGISTER_DIP_SHARE. */
  dipShare: number;
  /** The counter's width, past which it starts again at 0: REGISTER_ROLLOVER_KWH. */
  rolloverKwh?: number;
  /** No device draws or delivers faster than this: MAX_POWER_KW. */
  maxPowerKw: number;
}

/** Home Assistant's rule, a drop of 10 % or more is a reset; and more than a megawatt charger is broken. */
export const REGISTER_DEFAULTS: RegisterRules = { dipShare: 0.1, maxPowerKw: 1_000 };

export interface AppConfig {
  nodeEnv: NodeEnv;
  /** The listen address; every interface unless set. */
  host?: string;
  port: number;
  logLevel: string;
  shutdownTimeoutMs: number;
  database: DatabaseTarget;
  db: {
    migrate: boolean;
    /** The ingestion pool: readings, the writes they depend on (keys, sessions) and /readyz. */
    poolMax: number;
    statementTimeoutMs: number;
    /** How long the service waits for any table lock it takes, and so the most an ingest queues behind it. */
    lockTimeoutMs: number;
    /** Pools of their own, so that no reader or upkeep job can take the connections readings need. */
    pools: { reads: number; stream: number; maintenance: number };
  };
  ingestion: {
    batchMaxItems: number;
    bodyLimit: string;
    maxClockSkewSeconds: number;
    /** 0 turns group commit off: each single reading is its own transaction. */
    groupCommitMs: number;
    groupCommitMax: number;
    /** Single readings waiting for a group; past this many a new one is refused with 503 at once. */
    queueMax: number;
    /** The most energy one reading may carry, in kWh. */
    maxReadingKwh: number;
    registers: RegisterRules;
  };
  auth: {
    /** Serve every route without a key, even in production. */
    disabled: boolean;
    /** /metrics asks for a `read` key too. */
    metricsAuth: boolean;
    /** How long a replica trusts its copy of the active keys: the bound on revocation latency. */
    keyCacheMs: number;
    /** Whether a fleet-wide key may write readings of devices the registry does not hold. */
    deviceRegistry: RegistryMode;
  };
  rateLimit: {
    windowMs: number;
    /** Requests per key (per IP while the service runs open) per window; 0 turns limiting off. */
    max: number;
    /** Set: replicas share one budget through Redis; unset: each process counts on its own. */
    redisUrl?: string;
    redisPrefix: string;
  };
  analytics: {
    /** A DC/AC ratio below this flags a vehicle as losing energy. */
    efficiencyAlertThreshold: number;
    /** How often a device is expected to report, unless its registry record says otherwise. */
    readingIntervalSeconds: number;
    /** The share of expected readings below which a figure is flagged incomplete and never raises a fault. */
    minCoverage: number;
    /** How often the hours (and days) just past are sealed into the rollups. */
    rollupSealIntervalMs: number;
  };
  readingExport: {
    /** Replaces DB_STATEMENT_TIMEOUT_MS for one CSV export, which streams for as long as the client reads; 0 = none. */
    statementTimeoutMs: number;
    /** Exports running at once in this process, and the size of their pool. */
    maxConcurrent: number;
    /** Exports one API key (or one client address, running open) may run at once. */
    maxPerKey: number;
    /** A client that reads nothing for this long is dropped and its statement cancelled. */
    idleTimeoutMs: number;
  };
  stream: {
    /** Off: ingestion announces nothing and GET /v1/stream answers 404. */
    enabled: boolean;
    keepAliveMs: number;
    /** Events each process keeps for clients that resume with Last-Event-ID. */
    replayEvents: number;
    /** Stream clients one process serves at once; past it a new one is answered 503. */
    maxClients: number;
    /** Bytes queued for slow clients across the process; past it the most behind are dropped first. */
    bufferBudgetBytes: number;
  };
  alarms: {
    /** Consecutive complete counted sessions below the threshold that raise a low-efficiency alarm. */
    lowEfficiencySessions: number;
    /** As many sessions at or above threshold + this margin clear it: between the two, nothing changes. */
    clearMargin: number;
    /** A device with no reading for this long (or two of its own intervals, if longer) is silent. */
    silentAfterSeconds: number;
    /** How often each process looks for alarms to raise and clear. */
    checkIntervalMs: number;
  };
  webhooks: {
    /** A delivery is retried for this long after it was written, then marked failed. */
    retryHours: number;
    /** Lets endpoints reach loopback, private and link-local addresses (a receiver on the same network). */
    allowPrivate: boolean;
    /** One attempt's limit, connection to last byte. */
    timeoutMs: number;
    /** The first retry's delay; each later one doubles it, up to an hour, with jitter. */
    retryBaseMs: number;
    /** How often each process looks for deliveries that are due. */
    pollMs: number;
  };
  /** Browser origins allowed to call the API; empty sends no CORS headers at all. */
  cors: { origins: string[] };
  partitions: {
    /** The span of one history partition. */
    interval: CalendarInterval;
    /** Partitions kept ready beyond the current one. */
    ahead: number;
    /** Partitions wholly older than this are dropped; unset keeps history forever. */
    retention?: CalendarInterval;
    maintenanceIntervalMs: number;
  };
}

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
const toDecimal = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value;
const toBool = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

/** A span of seconds, minutes or hours: `900 s`, `15 min`, `2 hours`. */
const DURATION = /^\s*([1-9]\d{0,5})\s*(s|sec|secs|seconds?|min|mins|minutes?|h|hours?)\s*$/i;
const DURATION_UNIT_S: Record<string, number> = { s: 1, m: 60, h: 3600 };
function durationSeconds(text: string | undefined): number | undefined {
  const match = text === undefined ? null : DURATION.exec(text);
  return match ? Number(match[1]) * DURATION_UNIT_S[match[2][0].toLowerCase()] : undefined;
}

const CALENDAR_INTERVAL = /^\s*([1-9]\d{0,3})\s+(day|week|month|year)s?\s*$/i;
const CALENDAR_INTERVAL_MESSAGE = (variable: string) => `${variable} must look like 1 day, 2 weeks, 1 month or 1 year`;

function calendarInterval(text: string | undefined): CalendarInterval | undefined {
  const match = text === undefined ? null : CALENDAR_INTERVAL.exec(text);
  if (!match) return undefined;
  const count = Number(match[1]);
  const unit = match[2].toLowerCase();
  return unit === 'year' ? { count: count * 12, unit: 'month' } : { count, unit: unit as CalendarInterval['unit'] };
}

/** The environment as it may be written; every variable is listed in .env.example. */
class EnvironmentVariables {
  @IsOptional() @IsIn(['development', 'production', 'test']) NODE_ENV?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(65535) PORT?: number;
  @IsOptional() @IsString() @MinLength(1) HOST?: string;
  @IsOptional() @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) LOG_LEVEL?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) SHUTDOWN_TIMEOUT_MS?: number;

  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL?: string;
  @IsOptional() @IsString() @MinLength(1) DB_HOST?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(65535) DB_PORT?: number;
  @IsOptional() @IsString() @MinLength(1) DB_USERNAME?: string;
  @IsOptional() @IsString() DB_PASSWORD?: string;
  @IsOptional()
  @Matches(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, { message: 'DB_NAME must be a plain identifier' })
  DB_NAME?: string;
  @IsOptional() @Transform(toBool) @IsBoolean() DB_MIGRATE?: boolean;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(1000) DB_POOL_MAX?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) DB_STATEMENT_TIMEOUT_MS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(10) @Max(60_000) DB_LOCK_TIMEOUT_MS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(1000) READ_POOL_MAX?: number;
  // Two at least: readings are announced through it while the lease is renewed, and an announcement
  // that finds no connection becomes a gap that resets every stream client.
  @IsOptional() @Transform(toInt) @IsInt() @Min(2) @Max(100) STREAM_POOL_MAX?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(100) MAINTENANCE_POOL_MAX?: number;
  @IsOptional() @IsString() @MinLength(1) EMBEDDED_PG_DIR?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(65535) EMBEDDED_PG_PORT?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(100_000) BATCH_MAX_ITEMS?: number;
  @IsOptional()
  @Matches(/^\d+(\.\d+)?\s*(b|kb|mb|gb)?$/i, { message: 'BODY_LIMIT must look like 2mb or 500kb' })
  BODY_LIMIT?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) MAX_CLOCK_SKEW_SECONDS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(1_000) INGEST_GROUP_COMMIT_MS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(10_000) INGEST_GROUP_COMMIT_MAX?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(1_000_000) INGEST_QUEUE_MAX?: number;
  // The bound keeps every stored energy value, in integer micro-kWh, far inside a bigint.
  @IsOptional() @Transform(toDecimal) @IsNumber() @Min(0.001) @Max(1_000_000) MAX_READING_KWH?: number;
  @IsOptional() @Transform(toDecimal) @IsNumber() @Min(0) @Max(0.9) REGISTER_DIP_SHARE?: number;
  @IsOptional() @Transform(toDecimal) @IsNumber() @Min(1) @Max(1_000_000_000) REGISTER_ROLLOVER_KWH?: number;
  @IsOptional() @Transform(toDecimal) @IsNumber() @Min(0.1) @Max(100_000) MAX_POWER_KW?: number;

  @IsOptional() @Transform(toBool) @IsBoolean() AUTH_DISABLED?: boolean;
  @IsOptional() @Transform(toBool) @IsBoolean() METRICS_AUTH?: boolean;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(300_000) AUTH_KEY_CACHE_MS?: number;
  @IsOptional() @IsIn(REGISTRY_MODES) DEVICE_REGISTRY?: RegistryMode;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1_000) @Max(86_400_000) RATE_LIMIT_WINDOW_MS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) RATE_LIMIT_MAX?: number;
  @IsOptional()
  @Matches(/^rediss?:\/\/.+/, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;
  @IsOptional() @IsString() @MinLength(1) RATE_LIMIT_REDIS_PREFIX?: string;

  @IsOptional() @Transform(toDecimal) @IsNumber() @Min(0) @Max(1) EFFICIENCY_ALERT_THRESHOLD?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(86_400) READING_INTERVAL_SECONDS?: number;
  @IsOptional() @Transform(toDecimal) @IsNumber() @Min(0) @Max(1) MIN_COVERAGE?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(86_400_000) EXPORT_STATEMENT_TIMEOUT_MS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(1000) EXPORT_MAX_CONCURRENT?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(1000) EXPORT_MAX_PER_KEY?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(100) @Max(3_600_000) EXPORT_IDLE_TIMEOUT_MS?: number;

  @IsOptional() @Transform(toBool) @IsBoolean() STREAM_ENABLED?: boolean;
  @IsOptional() @Transform(toInt) @IsInt() @Min(10) @Max(3_600_000) STREAM_KEEPALIVE_MS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(1_000_000) STREAM_REPLAY_EVENTS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(100_000) STREAM_MAX_CLIENTS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(65_536) @Max(4_294_967_296) STREAM_BUFFER_BUDGET_BYTES?: number;
  @IsOptional() @IsString() CORS_ORIGINS?: string;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(100) ALARM_LOW_EFFICIENCY_SESSIONS?: number;
  @IsOptional() @Transform(toDecimal) @IsNumber() @Min(0) @Max(1) ALARM_CLEAR_MARGIN?: number;
  @IsOptional()
  @Matches(DURATION, { message: 'ALARM_SILENT_AFTER must look like 900 s, 15 min or 2 hours' })
  ALARM_SILENT_AFTER?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(100) @Max(3_600_000) ALARM_CHECK_INTERVAL_MS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(720) WEBHOOK_RETRY_HOURS?: number;
  @IsOptional() @Transform(toBool) @IsBoolean() WEBHOOK_ALLOW_PRIVATE?: boolean;
  @IsOptional() @Transform(toInt) @IsInt() @Min(100) @Max(60_000) WEBHOOK_TIMEOUT_MS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(10) @Max(3_600_000) WEBHOOK_RETRY_BASE_MS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(10) @Max(60_000) WEBHOOK_POLL_MS?: number;

  @IsOptional()
  @Matches(CALENDAR_INTERVAL, { message: CALENDAR_INTERVAL_MESSAGE('HISTORY_PARTITION_INTERVAL') })
  HISTORY_PARTITION_INTERVAL?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(1_000) HISTORY_PARTITIONS_AHEAD?: number;
  @IsOptional()
  @Matches(CALENDAR_INTERVAL, { message: CALENDAR_INTERVAL_MESSAGE('HISTORY_RETENTION') })
  HISTORY_RETENTION?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1_000) @Max(86_400_000) PARTITION_MAINTENANCE_INTERVAL_MS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1_000) @Max(3_600_000) ROLLUP_SEAL_INTERVAL_MS?: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Browsers send an origin serialized exactly (scheme, host, port only when not the default), and CORS
 * compares it as a string, so each entry must already be in that form to ever match.
 */
function corsOrigins(text: string | undefined): { origins: string[]; problems: string[] } {
  const origins = (text ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  const problems = origins
    .filter((entry) => {
      const url = URL.canParse(entry) ? new URL(entry) : undefined;
      return !url || !['http:', 'https:'].includes(url.protocol) || url.origin !== entry;
    })
    .map((entry) => `CORS_ORIGINS: ${JSON.stringify(entry)} is not an origin like https://ops.example.com`);
  return { origins, problems };
}

const DB_PARAM_KEYS = ['DB_HOST', 'DB_PORT', 'DB_USERNAME', 'DB_PASSWORD', 'DB_NAME'] as const;

function databaseTarget(env: EnvironmentVariables, cwd: string): DatabaseTarget {
  const database = env.DB_NAME ?? 'fleet_platform';
  if (env.DATABASE_URL) return { kind: 'url', url: env.DATABASE_URL };
  if (DB_PARAM_KEYS.some((key) => env[key] !== undefined)) {
    return {
      kind: 'params',
      host: env.DB_HOST ?? 'localhost',
      port: env.DB_PORT ?? 5432,
      username: env.DB_USERNAME ?? 'postgres',
      password: env.DB_PASSWORD ?? '',
      database,
    };
  }
  return {
    kind: 'embedded',
    dataDir: path.resolve(cwd, env.EMBEDDED_PG_DIR ?? 'data/postgres'),
    port: env.EMBEDDED_PG_PORT ?? 54329,
    database,
  };
}

/**
 * The only reader of the environment. Empty strings count as unset, so a copied .env.example with blank
 * values behaves like no file at all.
 */
export function loadConfig(raw: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): AppConfig {
  const present = Object.fromEntries(Object.entries(raw).filter(([, value]) => value !== undefined && value !== ''));
  const env = plainToInstance(EnvironmentVariables, present, { excludeExtraneousValues: false });
  const errors = validateSync(env, { whitelist: true });
  const problems = errors.flatMap((error) =>
    Object.values(error.constraints ?? {}).map(
      (message) => `${error.property}=${JSON.stringify(error.value)}: ${message}`,
    ),
  );
  if (env.DATABASE_URL && DB_PARAM_KEYS.some((key) => env[key] !== undefined)) {
    problems.push('set either DATABASE_URL or the DB_* variables, not both');
  }
  const cors = corsOrigins(env.CORS_ORIGINS);
  problems.push(...cors.problems);
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    nodeEnv: (env.NODE_ENV ?? 'development') as NodeEnv,
    host: env.HOST,
    port: env.PORT ?? 3000,
    logLevel: env.LOG_LEVEL ?? 'info',
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS ?? 10_000,
    database: databaseTarget(env, cwd),
    db: {
      migrate: env.DB_MIGRATE ?? true,
      poolMax: env.DB_POOL_MAX ?? 10,
      statementTimeoutMs: env.DB_STATEMENT_TIMEOUT_MS ?? 15_000,
      lockTimeoutMs: env.DB_LOCK_TIMEOUT_MS ?? 200,
      pools: {
        reads: env.READ_POOL_MAX ?? 4,
        stream: env.STREAM_POOL_MAX ?? 2,
        maintenance: env.MAINTENANCE_POOL_MAX ?? 2,
      },
    },
    ingestion: {
      batchMaxItems: env.BATCH_MAX_ITEMS ?? 5_000,
      bodyLimit: env.BODY_LIMIT ?? '2mb',
      maxClockSkewSeconds: env.MAX_CLOCK_SKEW_SECONDS ?? 300,
      groupCommitMs: env.INGEST_GROUP_COMMIT_MS ?? 2,
      groupCommitMax: env.INGEST_GROUP_COMMIT_MAX ?? 500,
      queueMax: env.INGEST_QUEUE_MAX ?? 10_000,
      // A 350 kW charger running a whole hour stays far below; anything above is a broken device.
      maxReadingKwh: env.MAX_READING_KWH ?? 1_000,
      registers: {
        dipShare: env.REGISTER_DIP_SHARE ?? REGISTER_DEFAULTS.dipShare,
        maxPowerKw: env.MAX_POWER_KW ?? REGISTER_DEFAULTS.maxPowerKw,
        ...(env.REGISTER_ROLLOVER_KWH !== undefined && { rolloverKwh: env.REGISTER_ROLLOVER_KWH }),
      },
    },
    auth: {
      disabled: env.AUTH_DISABLED ?? false,
      metricsAuth: env.METRICS_AUTH ?? false,
      keyCacheMs: env.AUTH_KEY_CACHE_MS ?? 500,
      // Open by default, so a fresh install takes the first readings of any device without a registration step.
      deviceRegistry: env.DEVICE_REGISTRY ?? 'open',
    },
    rateLimit: {
      windowMs: env.RATE_LIMIT_WINDOW_MS ?? 60_000,
      // One depot gateway may forward thousands of devices' once-a-minute readings through one key.
      max: env.RATE_LIMIT_MAX ?? 6_000,
      redisUrl: env.REDIS_URL,
      redisPrefix: env.RATE_LIMIT_REDIS_PREFIX ?? 'fleet-platform:rl:',
    },
    analytics: {
      efficiencyAlertThreshold: env.EFFICIENCY_ALERT_THRESHOLD ?? 0.85,
      readingIntervalSeconds: env.READING_INTERVAL_SECONDS ?? 60,
      minCoverage: env.MIN_COVERAGE ?? 0.95,
      rollupSealIntervalMs: env.ROLLUP_SEAL_INTERVAL_MS ?? 300_000,
    },
    readingExport: {
      // Long enough for a client that keeps up to take a whole meter's history; a stalled one is cut by the idle timeout.
      statementTimeoutMs: env.EXPORT_STATEMENT_TIMEOUT_MS ?? 600_000,
      maxConcurrent: env.EXPORT_MAX_CONCURRENT ?? 4,
      maxPerKey: env.EXPORT_MAX_PER_KEY ?? 2,
      idleTimeoutMs: env.EXPORT_IDLE_TIMEOUT_MS ?? 30_000,
    },
    stream: {
      enabled: env.STREAM_ENABLED ?? true,
      keepAliveMs: env.STREAM_KEEPALIVE_MS ?? 15_000,
      replayEvents: env.STREAM_REPLAY_EVENTS ?? 10_000,
      maxClients: env.STREAM_MAX_CLIENTS ?? 1_000,
      bufferBudgetBytes: env.STREAM_BUFFER_BUDGET_BYTES ?? 32 * 1024 * 1024,
    },
    alarms: {
      lowEfficiencySessions: env.ALARM_LOW_EFFICIENCY_SESSIONS ?? 2,
      clearMargin: env.ALARM_CLEAR_MARGIN ?? 0.02,
      silentAfterSeconds: durationSeconds(env.ALARM_SILENT_AFTER) ?? 900,
      checkIntervalMs: env.ALARM_CHECK_INTERVAL_MS ?? 60_000,
    },
    webhooks: {
      retryHours: env.WEBHOOK_RETRY_HOURS ?? 72,
      allowPrivate: env.WEBHOOK_ALLOW_PRIVATE ?? false,
      timeoutMs: env.WEBHOOK_TIMEOUT_MS ?? 15_000,
      retryBaseMs: env.WEBHOOK_RETRY_BASE_MS ?? 5_000,
      pollMs: env.WEBHOOK_POLL_MS ?? 1_000,
    },
    cors: { origins: cors.origins },
    partitions: {
      interval: calendarInterval(env.HISTORY_PARTITION_INTERVAL) ?? { count: 1, unit: 'month' },
      ahead: env.HISTORY_PARTITIONS_AHEAD ?? 3,
      retention: calendarInterval(env.HISTORY_RETENTION),
      maintenanceIntervalMs: env.PARTITION_MAINTENANCE_INTERVAL_MS ?? 3_600_000,
    },
  };
}
