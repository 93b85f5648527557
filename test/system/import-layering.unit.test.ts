import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../support/spawn-ts';

// The layering rules of eslint.config.mjs, exercised on imports written the way a newcomer might write
// them. The config is an ES module that ESLint loads itself, so it runs in a Node process of its own;
// type-aware parsing is off, as these snippets are not files of the project.
const LINT = `
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
const eslint = new ESLint({
  overrideConfig: [tseslint.configs.disableTypeChecked, { languageOptions: { parserOptions: { projectService: false } } }],
});
const [cases, folders] = JSON.parse(process.argv[1]);
const verdicts = [];
for (const [filePath, from] of cases) {
  const [result] = await eslint.lintText("import '" + from + "';\\n", { filePath });
  verdicts.push(result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message));
}
const restricted = [];
for (const folder of folders) {
  const config = await eslint.calculateConfigForFile('src/' + folder + '/any.ts');
  restricted.push(JSON.stringify(config.rules['no-restricted-imports'] ?? null));
}
console.log(JSON.stringify({ verdicts, restricted }));
`;

type Case = [file: string, imports: string];

function lint(cases: Case[], folders: string[]): { verdicts: string[][]; restricted: string[] } {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', LINT, JSON.stringify([cases, folders])], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return JSON.parse(out) as { verdicts: string[][]; restricted: string[] };
}

const refused: Case[] = [
  ['src/openapi/x.ts', '../live/live.public'],
  ['src/http/x.ts', '../ingestion/ingestion.handlers'],
  ['src/validation/x.ts', '../stream/stream.events'],
  ['src/live/x.ts', '../ingestion/ingestion.service'],
  ['src/export/x.ts', '../dashboard/dashboard.router'],
  ['src/live/live.repository.ts', 'express'],
  ['src/live/live.repository.ts', './live.service'],
  ['src/live/live.service.ts', './live.routes'],
  ['src/live/x.ts', '../../test/support/test-app'],
  ['src/auth/auth.service.ts', '../services'],
  ['src/openapi/x.ts', '../api'],
  ['src/app.ts', '../tools/shared/reading-bodies'],
  ['dashboard/x.ts', '../src/live/live.responses'],
  ['tools/x.ts', '../test/support/factories'],
];
const allowed: Case[] = [
  ['src/live/x.ts', '../ingestion/ingestion.public'],
  ['src/live/x.ts', '../validation/validate-request'],
  ['src/live/live.routes.ts', './live.service'],
  ['src/app.ts', './live/live.routes'],
  ['src/auth/keys.cli.ts', '../services'],
];

describe('the import layering ESLint checks', () => {
  const folders = readdirSync(path.join(ROOT, 'src'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);
  const { verdicts, restricted } = lint([...refused, ...allowed], folders);

  it.each(refused.map((item, i) => [...item, verdicts[i]] as const))(
    'refuses %s importing %s',
    (_file, _from, found) => {
      expect(found).toHaveLength(1);
    },
  );

  it.each(allowed.map((item, i) => [...item, verdicts[refused.length + i]] as const))(
    'lets %s import %s',
    (_file, _from, found) => {
      expect(found).toEqual([]);
    },
  );

  it('holds every folder of src/ to a rule that keeps tests and tools out, whether it is listed or not', () => {
    expect(folders.length).toBeGreaterThan(10);
    for (const [i, folder] of folders.entries()) {
      expect([folder, restricted[i]]).toEqual([folder, expect.stringContaining('**/test/**')]);
    }
  });
});
