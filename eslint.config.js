// Layering made mechanical (README, "How it fits together"): lower layers never import higher ones.
import tseslint from 'typescript-eslint';

/**
 * A ban: import sources matching `regex` are refused with `message`. One regex serves both
 * `import … from` (no-restricted-imports) and `import()` (no-restricted-syntax), so a dynamic
 * import cannot slip past a rule written for static ones.
 */
const ban = (regex, message, extra = {}) => ({ regex, message, ...extra });

/**
 * The rules for a folder, from every ban that applies there. In flat config a narrower block's
 * rule replaces the wider one, so each block lists the wider bans again (by concatenation).
 */
const layer = (...bans) => ({
  'no-restricted-imports': ['error', { patterns: bans.map(({ regex, message, ...extra }) => ({ regex, message, caseSensitive: true, ...extra })) }],
  'no-restricted-syntax': [
    'error',
    ...bans.map(({ regex, message }) => ({ selector: `ImportExpression[source.value=/${regex.replaceAll('/', '\\/')}/]`, message })),
  ],
});

/** A relative path to a folder named `name` (at any depth), e.g. `../../emulator/index.js`. */
const folder = (name) => `^\\.{1,2}/(.*/)?${name}(/|$)`;

const electronPackage = (message) => ban('^electron(/.*)?$', message);
const reactPackages = (message) => ban('^react(-dom)?(/.*)?$', message);

// engine/: runs headless, and never depends on its test peer (demo mode's remote is handed in).
const engineBase = [
  electronPackage('engine/ runs without Electron.'),
  reactPackages('engine/ has no UI.'),
  ban(folder('(electron|renderer)'), 'engine/ never imports the shell or the UI.'),
];
const engineEmulatorBan = ban(
  folder('emulator'),
  'engine/ never imports the emulator, its test peer: a composition root passes the demo remote in (EngineOptions.demoRemote).',
);
const sqlBan = ban(
  '^better-sqlite3$|(^|/)store/(database|worker/host)[^/]*$',
  'SQL runs in the store worker only: use the store client (engine/storeHost/openStore.ts).',
);
const engineBans = [...engineBase, engineEmulatorBan, sqlBan];

// The composition roots may start the emulator for demo mode, through its start function alone.
const rootEmulatorBans = (who) => [
  ban(`${folder('emulator')}(?!index\\.js$)`, `${who} imports the emulator's entry point only (emulator/index.js).`),
  ban('^\\.{1,2}/(.*/)?emulator/index\\.js$', `${who} starts the emulator for demo mode and uses nothing else of it.`, { allowImportNames: ['startEmulator'] }),
];

// electron/: the shell around the engine; it serves the built UI and never imports its code.
const electronBase = [ban(folder('renderer'), 'electron/ loads the built renderer; it never imports its code.')];
const electronEmulatorBan = ban(folder('emulator'), 'electron/ never imports the emulator; only the composition root (electron/main.ts) starts it for demo mode.');

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'release/**', 'test/artifacts/**', 'bench-results/**', 'resources/**'] },
  {
    files: ['**/*.ts', '**/*.tsx'],
    extends: [tseslint.configs.recommended],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': 'off',
    },
  },
  {
    files: ['engine/**/*.ts'],
    rules: layer(...engineBans),
  },
  {
    // The headless composition root.
    files: ['engine/daemon.ts'],
    rules: layer(...engineBase, sqlBan, ...rootEmulatorBans('engine/daemon.ts')),
  },
  {
    // The store owns SQL (better-sqlite3, pg); everything else engine-wide holds.
    files: ['engine/store/**/*.ts'],
    rules: layer(
      ...engineBase,
      engineEmulatorBan,
      ban(folder('(sync|ratings|conflicts|api|remote|health|metrics)'), 'the store sits below the services.'),
    ),
  },
  {
    files: ['engine/remote/**/*.ts', 'engine/config/**/*.ts', 'engine/log/**/*.ts', 'engine/contracts/**/*.ts'],
    rules: layer(
      ...engineBans,
      ban(folder('(sync|ratings|conflicts|api|store|health|metrics)'), 'transport, config and logging sit below the services.'),
    ),
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    rules: layer(
      // The status rules are pure and shared with the tray, so the header and the tray cannot disagree.
      ban(
        '^\\.{1,2}/(.*/)?engine/(?!contracts(/|$)|status/(overall|formatAge)\\.js$)',
        'renderer/ talks to the engine over HTTP only; import contract types and the shared status rules alone.',
      ),
      electronPackage('the renderer is sandboxed; use the preload bridge.'),
    ),
  },
  {
    files: ['electron/**/*.ts'],
    rules: layer(...electronBase, electronEmulatorBan),
  },
  {
    // The desktop composition root.
    files: ['electron/main.ts'],
    rules: layer(...electronBase, ...rootEmulatorBans('electron/main.ts')),
  },
  {
    files: ['electron/model/**/*.ts'],
    rules: layer(...electronBase, electronEmulatorBan, electronPackage('models are pure and tested without Electron.')),
  },
  {
    files: ['emulator/**/*.ts'],
    rules: layer(ban('^\\.{1,2}/(.*/)?engine/(?!contracts(/|$))', 'the emulator knows the wire contract only.')),
  },
);
