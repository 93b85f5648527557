import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { access, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { build, version } from 'esbuild';

/** The nearest folder with package.json: from tools/dashboard under tsx, from dist/tools/dashboard once built. */
function packageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

const ROOT = packageRoot(__dirname);
const SOURCE = path.join(ROOT, 'dashboard');
/**
 * Where the dashboard router serves the page from (its DASHBOARD_DIR). Not imported from there: that
 * loads Express, which costs a build with nothing to do more than the check itself.
 */
export const DASHBOARD_DIR = path.join(ROOT, 'dist', 'dashboard');
/** What the bundle in a folder was built from; a dotfile, which the dashboard router does not serve. */
const STAMP = '.build-inputs.json';

interface Stamp {
  esbuild: string;
  /** Files relative to the package root, each with the hash of its contents. */
  inputs: Record<string, string>;
  /** Files relative to the output folder. */
  outputs: string[];
}

/** Written beside the target and renamed over it, so that a server never reads a half-written file. */
async function writeAtomically(file: string, contents: Uint8Array | string): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, contents);
  await rename(temporary, file);
}

async function hashes(files: string[]): Promise<Record<string, string>> {
  const entries = await Promise.all(
    files.map(async (file) => {
      const contents = await readFile(path.join(ROOT, file)).catch(() => '');
      return [file, createHash('sha256').update(contents).digest('hex')] as const;
    }),
  );
  return Object.fromEntries(entries);
}

/**
 * Bundles the page's TypeScript and its styles (uPlot's included) into dashboard.js and dashboard.css
 * beside index.html, where the server's dashboard router serves them. Every asset comes from this
 * repository or node_modules, so the page works offline and under a `script-src 'self'` policy.
 */
export async function buildDashboard(outDir = DASHBOARD_DIR): Promise<void> {
  const { outputFiles, metafile } = await build({
    entryPoints: [{ in: path.join(SOURCE, 'src/main.ts'), out: 'dashboard' }],
    absWorkingDir: ROOT,
    outdir: outDir,
    bundle: true,
    format: 'esm',
    target: 'es2022',
    minify: true,
    sourcemap: 'linked',
    logLevel: 'warning',
    metafile: true,
    write: false,
  });
  await mkdir(outDir, { recursive: true });
  const html = await readFile(path.join(SOURCE, 'index.html'));
  await Promise.all([
    ...outputFiles.map((output) => writeAtomically(output.path, output.contents)),
    writeAtomically(path.join(outDir, 'index.html'), html),
  ]);
  // This script and esbuild's version count as inputs too: a change to either may change the bundle.
  const inputs = [...Object.keys(metafile.inputs), path.join(SOURCE, 'index.html'), __filename];
  const stamp: Stamp = {
    esbuild: version,
    inputs: await hashes(inputs.map((file) => path.relative(ROOT, path.resolve(ROOT, file)))),
    outputs: [...outputFiles.map((output) => path.relative(outDir, output.path)), 'index.html'],
  };
  await writeAtomically(path.join(outDir, STAMP), JSON.stringify(stamp));
}

/**
 * Bundles again only when a file the bundle in `outDir` was built from has changed or one of its
 * files is missing, so that `npm start` after no change to the page costs no bundling.
 * Resolves to whether it bundled.
 */
export async function buildDashboardIfChanged(outDir = DASHBOARD_DIR): Promise<boolean> {
  const stamp = await readFile(path.join(outDir, STAMP), 'utf8').then(
    (text) => JSON.parse(text) as Stamp,
    () => undefined,
  );
  if (stamp?.esbuild === version) {
    const now = await hashes(Object.keys(stamp.inputs));
    const present = await Promise.all(
      stamp.outputs.map((file) =>
        access(path.join(outDir, file)).then(
          () => true,
          () => false,
        ),
      ),
    );
    const unchanged = Object.entries(stamp.inputs).every(([file, hash]) => now[file] === hash);
    if (unchanged && present.every(Boolean)) return false;
  }
  await buildDashboard(outDir);
  return true;
}

if (require.main === module) {
  buildDashboardIfChanged().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
