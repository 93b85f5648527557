import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';
import { DASHBOARD_DIR } from '../../src/dashboard/dashboard.router';

const SOURCE = path.resolve(__dirname, '../../dashboard');

/** Written beside the target and renamed over it, so that a server never reads a half-written file. */
async function writeAtomically(file: string, contents: Uint8Array | string): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, contents);
  await rename(temporary, file);
}

/**
 * Bundles the page's TypeScript and its styles (uPlot's included) into dashboard.js and dashboard.css
 * beside index.html, where the server's dashboard router serves them. Every asset comes from this
 * repository or node_modules, so the page works offline and under a `script-src 'self'` policy.
 */
export async function buildDashboard(outDir = DASHBOARD_DIR): Promise<void> {
  const { outputFiles } = await build({
    entryPoints: [{ in: path.join(SOURCE, 'src/main.ts'), out: 'dashboard' }],
    outdir: outDir,
    bundle: true,
    format: 'esm',
    target: 'es2022',
    minify: true,
    sourcemap: 'linked',
    logLevel: 'warning',
    write: false,
  });
  await mkdir(outDir, { recursive: true });
  const html = await readFile(path.join(SOURCE, 'index.html'));
  await Promise.all([
    ...outputFiles.map((output) => writeAtomically(output.path, output.contents)),
    writeAtomically(path.join(outDir, 'index.html'), html),
  ]);
}

if (require.main === module) {
  buildDashboard().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
