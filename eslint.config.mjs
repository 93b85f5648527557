// @ts-check
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

/** Import paths a layer must not reach: the layering described in docs/architecture.md. */
const restricted = (...groups) => ({
  'no-restricted-imports': ['error', { patterns: groups.map(([group, message]) => ({ group, message })) }],
});

/**
 * The folders of src/ that sit below the features: features import them, never the other way round. Every
 * other folder is a feature, so a new folder is held to the feature rules without being listed here.
 */
const SHARED = ['config', 'contract', 'db', 'entities', 'errors', 'http', 'observability', 'openapi', 'validation'];
const FOLDERS = readdirSync(join(import.meta.dirname, 'src'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);
const FEATURES = FOLDERS.filter((folder) => !SHARED.includes(folder));

const NO_TOOLS = [['**/test/**', '**/tools/**'], 'The product never depends on tests or tools.'];
/** src/*.ts compose the app from every folder, so a folder importing them would import every feature. */
const NO_ROOT = [
  ['../app', '../api', '../services', '../server', '../logger'],
  'src/*.ts compose the folders; a folder never imports them (a command line entry point, *.cli.ts, may).',
];
const NO_FEATURES = [FEATURES.map((feature) => `**/${feature}/**`), 'Shared code must not depend on a feature folder.'];
/** Another feature only through its public module, `<feature>/<feature>.public.ts`. */
const othersExceptPublic = (own) => [
  FEATURES.filter((feature) => feature !== own).flatMap((feature) => [
    `**/${feature}/**`,
    `!**/${feature}/${feature}.public`,
  ]),
  'A feature uses another only through its public module, `<feature>/<feature>.public.ts`.',
];
const BY_KIND = [
  [
    'repository',
    [
      ['express', '**/*.service', '**/*.router', '**/*.routes', '**/*.handlers'],
      'A repository answers services; it knows nothing of HTTP or of its callers.',
    ],
  ],
  [
    'service',
    [
      ['express', '**/*.router', '**/*.routes', '**/*.handlers'],
      'Services take typed values, never requests or responses.',
    ],
  ],
];

/** One block per folder, and per kind of file in it: a file's restrictions are stated whole, as flat config replaces a rule's options. */
const layering = FOLDERS.flatMap((folder) => {
  const own = SHARED.includes(folder) ? [NO_TOOLS, NO_FEATURES] : [NO_TOOLS, othersExceptPublic(folder)];
  return [
    { files: [`src/${folder}/**/*.ts`], rules: restricted(...own, NO_ROOT) },
    ...BY_KIND.map(([kind, rule]) => ({
      files: [`src/${folder}/**/*.${kind}.ts`],
      rules: restricted(...own, NO_ROOT, rule),
    })),
    // A command is an entry point of its own, composed from the same parts as the server.
    { files: [`src/${folder}/**/*.cli.ts`], rules: restricted(...own) },
  ];
});

export default tseslint.config(
  { ignores: ['dist/**', 'coverage/**', 'data/**', 'node_modules/**', 'tools/bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // src/*.ts compose the app from every folder.
    files: ['src/*.ts'],
    rules: restricted(NO_TOOLS),
  },
  ...layering,
  {
    // The page is bundled for the browser (dashboard/tsconfig.json: DOM lib, no Node types). It reaches the
    // server over HTTP only; its globals are checked by TypeScript against the DOM lib, which is why
    // no-undef (off for TypeScript) needs no browser globals list here.
    files: ['dashboard/**/*.ts'],
    rules: restricted(
      [['**/src/**', '**/test/**', '**/tools/**'], 'The page talks to the server over HTTP, never through its code.'],
      [['node:*'], 'The page runs in a browser.'],
    ),
  },
  {
    files: ['tools/**/*.ts'],
    rules: restricted([['**/test/**'], 'Tools share helpers with tests through tools/shared, not by importing tests.']),
  },
  {
    // supertest's res.body and a raw query's rows are `any` by nature; tests assert their shape instead.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // jest.config.js is CommonJS, run by Node: `module` and `require` are its globals.
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
  },
  prettier,
);
