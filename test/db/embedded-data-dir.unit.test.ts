import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FALLBACK_ROOT, usableDataDir } from '../../src/db/embedded-postgres-data-dir';
import { captureLogs } from '../support/log-capture';

const asRoot = process.getuid?.() === 0;

(asRoot ? describe : describe.skip)('as root (skipped otherwise: only root runs PostgreSQL as another user)', () => {
  // A checkout inside a folder closed to other users, and a stand-in for /var/lib/fleet-platform.
  let home: string;
  let root: string;
  beforeEach(() => {
    home = mkdtempSync(path.join(os.tmpdir(), 'fleet-closed-home-'));
    chmodSync(home, 0o700);
    root = mkdtempSync(path.join(os.tmpdir(), 'fleet-fallback-root-'));
  });
  afterEach(() => {
    rmSync(home, { recursive: true, force: true });
    rmSync(root, { recursive: true, force: true });
  });

  function resolve(requested: string) {
    const { logger, lines } = captureLogs('warn');
    const dataDir = usableDataDir(requested, logger, root);
    return { dataDir, warnings: lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
  }

  it('keeps the data of a checkout postgres cannot reach outside the temp dir, in the same folder on every boot', () => {
    expect(FALLBACK_ROOT.startsWith(os.tmpdir())).toBe(false);
    const requested = path.join(home, 'fleet', 'data', 'postgres');
    const first = resolve(requested);
    expect(path.dirname(path.dirname(first.dataDir))).toBe(root);
    expect(first.warnings).toEqual([expect.objectContaining({ requested, earlier: [] })]);

    const again = resolve(requested);
    expect(again).toEqual({ dataDir: first.dataDir, warnings: [] });
  });

  it('gives a fresh clone at the same path a folder of its own, and names the one the earlier clone left', () => {
    const requested = path.join(home, 'fleet', 'data', 'postgres');
    const earlier = resolve(requested).dataDir;
    rmSync(path.join(home, 'fleet'), { recursive: true });

    const clone = resolve(requested);
    expect(clone.dataDir).not.toBe(earlier);
    expect(clone.warnings).toEqual([expect.objectContaining({ earlier: [path.dirname(earlier)] })]);
  });

  it('gives a copy of a checkout a folder of its own rather than the data of the one it was copied from', () => {
    const original = path.join(home, 'fleet', 'data', 'postgres');
    const originalDir = resolve(original).dataDir;
    cpSync(path.join(home, 'fleet'), path.join(home, 'fleet-copy'), { recursive: true });

    const copy = resolve(path.join(home, 'fleet-copy', 'data', 'postgres'));
    expect(copy.dataDir).not.toBe(originalDir);
    expect(copy.warnings[0]).toEqual(expect.objectContaining({ owner: original }));
    expect(resolve(original)).toEqual({ dataDir: originalDir, warnings: [] });
  });

  it('starts an empty folder when the one a checkout recorded is gone', () => {
    const requested = path.join(home, 'fleet', 'data', 'postgres');
    const gone = resolve(requested).dataDir;
    rmSync(path.dirname(gone), { recursive: true });

    const fresh = resolve(requested);
    expect(fresh.dataDir).not.toBe(gone);
    expect(existsSync(path.dirname(fresh.dataDir))).toBe(true);
    expect(fresh.warnings[0]).toEqual(expect.objectContaining({ recorded: path.dirname(gone), owner: null }));
  });

  it('uses a folder postgres can reach as it is', () => {
    const open = mkdtempSync(path.join(os.tmpdir(), 'fleet-open-'));
    chmodSync(open, 0o755);
    try {
      mkdirSync(path.join(open, 'data'));
      expect(resolve(path.join(open, 'data', 'postgres'))).toEqual({
        dataDir: path.join(open, 'data', 'postgres'),
        warnings: [],
      });
    } finally {
      rmSync(open, { recursive: true, force: true });
    }
  });
});
