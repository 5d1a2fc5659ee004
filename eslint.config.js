// @ts-check
import js from '@eslint/js';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/**
 * docs/design.md's layers: which src/ folders each folder may import. A folder imports only from
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
  oauth: [],
  engine: ['mail', 'junk', 'auth', 'store', 'reputation', 'analysis', 'imap', 'oauth'],
  api: ['engine'],
  cli: ['api', 'engine'],
};
const folders = Object.keys(layers);

const zones = [
  ...Object.entries(layers).map(([layer, allowed]) => ({
    target: `./src/${layer}`,
    from: folders.filter((f) => f !== layer && !allowed.includes(f)).map((f) => `./src/${f}`),
    message: `docs/design.md: src/${layer} may import only ${allowed.length ? allowed.map((f) => `src/${f}`).join(', ') : 'nothing of ours'}.`,
  })),
  { target: './src', from: ['./electron', './renderer'], message: 'docs/design.md: the engine never imports Electron or the UI.' },
  {
    target: ['./electron', './renderer'],
    from: folders.filter((f) => f !== 'api').map((f) => `./src/${f}`),
    message: 'docs/design.md: the app reaches the engine only through src/api.',
  },
];

/**
 * Electron's security checklist (electronjs.org/docs/latest/tutorial/security), where a lint
 * can hold it: settings that would undo one of its items, anywhere in electron/. The values
 * themselves are in electron/security.ts, tested in test/electron/security.test.ts.
 */
const property = (name) => `Property:matches([key.name='${name}'], [key.value='${name}'])`;
const checklist = (item) => `Electron's security checklist, item ${item}: see electron/security.ts.`;
export const electronChecklist = [
  ...['nodeIntegration', 'nodeIntegrationInWorker', 'nodeIntegrationInSubFrames'].map((name) => ({ selector: `${property(name)}[value.value=true]`, message: checklist(2) })),
  { selector: `${property('contextIsolation')}[value.value=false]`, message: checklist(3) },
  { selector: `${property('sandbox')}[value.value=false]`, message: checklist(4) },
  { selector: `${property('webSecurity')}[value.value=false]`, message: checklist(6) },
  { selector: `${property('bypassCSP')}[value.value=true]`, message: checklist(7) },
  { selector: `${property('allowRunningInsecureContent')}[value.value=true]`, message: checklist(8) },
  { selector: `${property('experimentalFeatures')}[value.value=true]`, message: checklist(9) },
  { selector: property('enableBlinkFeatures'), message: checklist(10) },
  { selector: `${property('webviewTag')}[value.value=true]`, message: checklist(11) },
  { selector: `${property('webPreferences')}[value.type='ObjectExpression']`, message: 'A window takes webPreferences() of electron/security.ts, not settings of its own.' },
  { selector: "CallExpression[callee.property.name='loadFile']", message: checklist(18) },
  { selector: 'Literal[value=/^file:/i]', message: checklist(18) },
  {
    selector: "CallExpression[callee.property.name='exposeInMainWorld']:not([arguments.0.value='warden'][arguments.1.callee.name='createBridge'])",
    message: "Electron's security checklist, item 20: the preload exposes window.warden = createBridge(ipcRenderer), nothing else.",
  },
];

export default tseslint.config(
  { ignores: ['dist/', 'dist-electron/', 'release/', 'node_modules/', 'coverage/', 'test-output/', 'renderer/dist/'] },
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
    files: ['electron/**/*.ts'],
    rules: {
      'no-restricted-syntax': ['error', ...electronChecklist],
      'no-restricted-properties': ['error', { object: 'shell', property: 'openExternal', message: checklist(15) + ' Links from mail are not opened.' }],
    },
  },
  {
    // Everything but the two entry points is plain Node, tested without Electron: Electron's
    // types only. (Importing electron's package outside Electron even downloads its binary.)
    files: ['electron/**/*.ts'],
    ignores: ['electron/main.ts', 'electron/preload.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { paths: [{ name: 'electron', allowTypeImports: true, message: 'Only electron/main.ts and electron/preload.ts use Electron; the rest takes what it needs as parameters.' }] },
      ],
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
