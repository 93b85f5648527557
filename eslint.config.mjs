// @ts-check
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

/** Import paths a layer must not reach: the layering the README's "Design" section describes. */
const restricted = (...groups) => ({
  'no-restricted-imports': ['error', { patterns: groups.map(([group, message]) => ({ group, message })) }],
});

const FEATURES = [
  'ingestion',
  'analytics',
  'charging-sessions',
  'live',
  'auth',
  'health',
  'partitions',
  'rate-limit',
  'observability',
  'openapi',
];
const featureImports = FEATURES.map((feature) => `**/${feature}/**`);

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
    files: ['src/**/*.ts'],
    rules: restricted([['**/test/**', '**/tools/**'], 'The product never depends on tests or tools.']),
  },
  {
    // Cross-cutting code sits below the features: features import it, never the other way round.
    files: ['src/validation/**', 'src/errors/**', 'src/config/**', 'src/db/**', 'src/entities/**'],
    rules: restricted(
      [['**/test/**', '**/tools/**'], 'The product never depends on tests or tools.'],
      [featureImports, 'Shared code must not depend on a feature folder.'],
    ),
  },
  {
    files: ['src/**/*.repository.ts'],
    rules: restricted(
      [['**/test/**', '**/tools/**'], 'The product never depends on tests or tools.'],
      [
        ['express', '**/*.service', '**/*.router'],
        'A repository answers services; it knows nothing of HTTP or of its callers.',
      ],
    ),
  },
  {
    files: ['src/**/*.service.ts'],
    rules: restricted(
      [['**/test/**', '**/tools/**'], 'The product never depends on tests or tools.'],
      [['express', '**/*.router'], 'Services take typed values, never requests or responses.'],
    ),
  },
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
