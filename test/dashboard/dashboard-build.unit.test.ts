import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DASHBOARD_DIR as SERVED_FROM } from '../../src/dashboard/dashboard.router';
import { DASHBOARD_DIR, buildDashboardIfChanged } from '../../tools/dashboard/build';

let outDir: string;
beforeAll(async () => {
  outDir = await mkdtemp(path.join(tmpdir(), 'fleet-dashboard-build-'));
});
afterAll(() => rm(outDir, { recursive: true, force: true }));

it('bundles the dashboard once, skips it while nothing it was built from changes, and bundles again when something does', async () => {
  expect(await buildDashboardIfChanged(outDir)).toBe(true);
  expect(await readFile(path.join(outDir, 'dashboard.js'), 'utf8')).not.toBe('');
  expect(await buildDashboardIfChanged(outDir)).toBe(false);

  // A source edited since: its recorded hash no longer matches.
  const stampFile = path.join(outDir, '.build-inputs.json');
  const stamp = JSON.parse(await readFile(stampFile, 'utf8')) as { inputs: Record<string, string> };
  const source = Object.keys(stamp.inputs).find((file) => file.startsWith('dashboard/src/'));
  expect(source).toBeDefined();
  await writeFile(stampFile, JSON.stringify({ ...stamp, inputs: { ...stamp.inputs, [source!]: 'edited' } }));
  expect(await buildDashboardIfChanged(outDir)).toBe(true);
  expect(await buildDashboardIfChanged(outDir)).toBe(false);

  // An output removed since.
  await rm(path.join(outDir, 'dashboard.css'));
  expect(await buildDashboardIfChanged(outDir)).toBe(true);
  expect(await readFile(path.join(outDir, 'dashboard.css'), 'utf8')).not.toBe('');
}, 60_000);

it('bundles by default into the folder the dashboard router serves', () => {
  expect(DASHBOARD_DIR).toBe(SERVED_FROM);
});
