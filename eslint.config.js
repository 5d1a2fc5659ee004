// @ts-check
import js from '@eslint/js';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/**
 * DESIGN.md's layers: which src/ folders each folder may import. A folder imports only from
 * layers below it; electron/ and renderer/ reach the engine only through src/api.
 */
const layers = {
  mail: [],
  junk: ['mail'],
  auth: ['mail'],
  store: [],
  reputation: ['store'],
  analysis: ['mail', 'junk', 'auth', 'reputation'],
  imap: [],
  engine: ['mail', 'junk', 'auth', 'store', 'reputation', 'analysis', 'imap'],
  api: ['engine'],
  cli: ['api', 'engine'],
};
const folders = Object.keys(layers);

const zones = [
  ...Object.entries(layers).map(([layer, allowed]) => ({
    target: `./src/${layer}`,
    from: folders.filter((f) => f !== layer && !allowed.includes(f)).map((f) => `./src/${f}`),
    message: `DESIGN.md: src/${layer} may import only ${allowed.length ? allowed.map((f) => `src/${f}`).join(', ') : 'nothing of ours'}.`,
  })),
  { target: './src', from: ['./electron', './renderer'], message: 'DESIGN.md: the engine never imports Electron or the UI.' },
  {
    target: ['./electron', './renderer'],
    from: folders.filter((f) => f !== 'api').map((f) => `./src/${f}`),
    message: 'DESIGN.md: the app reaches the engine only through src/api.',
  },
];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'test-output/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['eslint.config.js'] }, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    rules: {
      'import-x/no-restricted-paths': ['error', { zones }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // Tests read parsed JSON and assert on it; the checks below would only add casts.
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },
);
