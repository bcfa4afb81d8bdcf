// Layering made mechanical (see shared/conventions.md): lower layers never import higher ones.
import tseslint from 'typescript-eslint';

const restrict = (patterns) => ['error', { patterns }];

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
    rules: {
      'no-restricted-imports': restrict([
        { group: ['electron', 'electron/*'], message: 'engine/ runs without Electron.' },
        { group: ['react', 'react-dom', 'react/*'], message: 'engine/ has no UI.' },
        { group: ['**/electron/**', '**/renderer/**'], message: 'engine/ never imports the shell or the UI.' },
        { group: ['better-sqlite3', '**/store/database*', '**/store/worker/host*'], message: 'SQL runs in the store worker only: use the store client (engine/storeHost/openStore.ts).' },
      ]),
    },
  },
  {
    files: ['engine/store/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict([
        { group: ['electron', 'electron/*', 'react', 'react-dom'], message: 'store is plain Node.' },
        {
          group: ['**/sync/**', '**/ratings/**', '**/conflicts/**', '**/api/**', '**/remote/**', '**/health/**', '**/metrics/**'],
          message: 'the store sits below the services.',
        },
      ]),
    },
  },
  {
    files: ['engine/remote/**/*.ts', 'engine/config/**/*.ts', 'engine/log/**/*.ts', 'engine/contracts/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict([
        { group: ['electron', 'electron/*', 'react', 'react-dom'], message: 'plain Node only.' },
        {
          group: ['**/sync/**', '**/ratings/**', '**/conflicts/**', '**/api/**', '**/store/**', '**/health/**', '**/metrics/**'],
          message: 'transport, config and logging sit below the services.',
        },
      ]),
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    rules: {
      'no-restricted-imports': restrict([
        {
          // The status rules are pure and shared with the tray, so the header and the tray cannot disagree.
          group: ['**/engine/*', '!**/engine/contracts', '**/engine/*/**', '!**/engine/contracts/*', '!**/engine/status', '**/engine/status/*', '!**/engine/status/overall.js', '!**/engine/status/formatAge.js'],
          message: 'renderer/ talks to the engine over HTTP only; import contract types and the shared status rules alone.',
        },
        { group: ['electron', 'electron/*'], message: 'the renderer is sandboxed; use the preload bridge.' },
      ]),
    },
  },
  {
    files: ['electron/model/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict([{ group: ['electron', 'electron/*'], message: 'models are pure and tested without Electron.' }]),
    },
  },
  {
    files: ['emulator/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict([
        { group: ['**/engine/*', '!**/engine/contracts', '**/engine/*/**', '!**/engine/contracts/*'], message: 'the emulator knows the wire contract only.' },
      ]),
    },
  },
);
