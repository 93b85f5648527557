import 'reflect-metadata';
import dotenv from 'dotenv';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ConfigError } from '../config/config';
import { withCommandDatabase } from '../db/command-database';
import { ProblemError, ValidationError } from '../errors/problem';
import { parseNewKey } from './auth.dto';
import { buildAuth, buildDeviceImport } from '../services';
import type { ApiKeyView, AuthService } from './auth.service';
import { importDevices, PartialImportError, readDevicesCsv, tokensCsv } from './device-import.csv';
import type { DeviceImportService } from './device-import.service';

/** What the commands act on: the keys, and the registry's bulk import. */
export interface KeysServices {
  auth: AuthService;
  imports: DeviceImportService;
}

const USAGE = `usage: npm run keys -- <command> [--json]
  create --role ingest|read|admin --name <name> [--scope fleet|devices --devices <id,id,...>]
                                                  create a key; the key is printed once, on stdout. An ingest key
                                                  states its scope: fleet (any device) or devices (those listed)
  list                                            every key, revoked ones included, with its scope
  devices import <file.csv> [--reissue]           register the devices of a CSV file (columns id,kind[,label]
                                                  [,reportingIntervalSeconds]) and issue each new one a credential;
                                                  the tokens are printed once, as CSV on stdout. Re-running issues
                                                  nothing new unless --reissue
  revoke <id>                                     revoke a key; every process notices within AUTH_KEY_CACHE_MS and one check`;

export class UsageError extends Error {}

export interface CommandOutput {
  /** For stdout: what a script would capture. */
  stdout: string;
  /** For stderr: what a person should read. */
  stderr?: string;
  /** Non-zero when the command failed part way, after printing what it did. */
  exitCode?: number;
}

function table(keys: ApiKeyView[]): string {
  const rows = [
    ['ID', 'ROLE', 'SCOPE', 'NAME', 'CREATED', 'REVOKED'],
    ...keys.map((key) => [
      key.id,
      key.role,
      key.devices ? `devices: ${key.devices.join(',')}` : key.scope,
      key.name,
      key.createdAt,
      key.revokedAt ?? '-',
    ]),
  ];
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** One CLI invocation against a service, without touching the process: the tests call it directly. */
export async function runKeysCommand({ auth, imports }: KeysServices, argv: string[]): Promise<CommandOutput> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        role: { type: 'string' },
        name: { type: 'string' },
        scope: { type: 'string' },
        devices: { type: 'string' },
        reissue: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  const json = (value: unknown) => JSON.stringify(value, null, 2);

  switch (command) {
    case 'create': {
      if (rest.length > 0) throw new UsageError(`create takes no positional arguments, got ${rest.join(' ')}`);
      const { name, role, devices } = parseNewKey(
        { name: values.name, role: values.role, scope: values.scope, devices: values.devices?.split(',') },
        'Cannot create the key.',
      );
      const created = await auth.create(name, role, devices);
      if (values.json) return { stdout: json(created) };
      return {
        stdout: created.key,
        stderr: `Created ${created.role} key "${created.name}" (id ${created.id}, scope ${created.scope}). Store it now: it is not kept and cannot be shown again.`,
      };
    }
    case 'list': {
      const keys = await auth.list();
      return { stdout: values.json ? json(keys) : table(keys) };
    }
    case 'revoke': {
      if (rest.length !== 1) throw new UsageError('revoke takes exactly one key id');
      const revoked = await auth.revoke(rest[0]);
      return {
        stdout: values.json
          ? json(revoked)
          : `Revoked ${revoked.role} key "${revoked.name}" (id ${revoked.id}) at ${revoked.revokedAt}.`,
      };
    }
    case 'devices': {
      const [action, file, ...extra] = rest;
      if (action !== 'import' || !file || extra.length > 0) throw new UsageError('devices import takes one CSV file');
      const devices = readDevicesCsv(await readFile(file, 'utf8'));
      let result;
      try {
        result = await importDevices(imports, devices, values.reissue);
      } catch (error) {
        if (!(error instanceof PartialImportError)) throw error;
        // The parts before the failure are committed: their tokens exist nowhere else.
        return {
          stdout: values.json ? json(error.done) : tokensCsv(error.done),
          stderr:
            `Stopped after ${error.done.devices.length} of ${devices.length} devices: ${explain(error.failure)}\n` +
            'The tokens printed were issued and committed: store them. Run the same import again for the rest; ' +
            'the devices already registered get no new token.',
          exitCode: 1,
        };
      }
      if (values.json) return { stdout: json(result) };
      const refused = result.devices.filter((device) => device.error).map((device) => `  - ${device.error}`);
      return {
        stdout: tokensCsv(result),
        stderr: [
          `Registered ${result.registered} devices (${result.existing} were already registered); issued ${result.issued} credentials.`,
          ...refused,
          result.issued > 0 ? 'Store the tokens now: they are not kept and cannot be shown again.' : '',
        ]
          .filter(Boolean)
          .join('\n'),
      };
    }
    default:
      throw new UsageError(command ? `unknown command "${command}"` : 'no command given');
  }
}

function explain(error: unknown): string {
  if (error instanceof ValidationError) {
    const errors = (error.extensions.errors as Array<{ path: string; message: string }>) ?? [];
    return [error.message, ...errors.map(({ message }) => `  - ${message}`)].join('\n');
  }
  return error instanceof ProblemError || error instanceof ConfigError ? error.message : String(error);
}

async function main(): Promise<number> {
  dotenv.config({ quiet: true });
  const argv = process.argv.slice(2);
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return argv.length === 0 ? 2 : 0;
  }
  return withCommandDatabase('keys', async (dataSource, config) => {
    const auth = buildAuth(dataSource, config);
    const { stdout, stderr, exitCode } = await runKeysCommand(
      { auth, imports: buildDeviceImport(dataSource, config, auth) },
      argv,
    );
    if (stderr) console.error(stderr);
    console.log(stdout);
    return exitCode ?? 0;
  });
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(explain(error));
      if (error instanceof UsageError) console.error(USAGE);
      process.exit(error instanceof UsageError ? 2 : 1);
    },
  );
}
