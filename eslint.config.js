// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'dist-bench/', 'dist-scripts/', 'node_modules/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      // One TypeScript program for every file: the root tsconfig.json includes src, test, bench and
      // scripts with the same compiler options. `projectService` would build a second and third
      // program for bench/ and scripts/ (they have a tsconfig.json of their own, for emitting),
      // checking the sources they import again: a sixth of the lint's CPU time.
      parserOptions: { project: ['./tsconfig.json'], tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      // `process` belongs to src/main.ts alone: everything else gets config, clock and logger injected.
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'Only src/main.ts may touch process; inject what you need.' },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Read the injected Clock instead.' },
      ],
    },
  },
  {
    files: ['src/main.ts', 'test/**', 'bench/**', 'scripts/**', 'vitest.config.ts'],
    rules: { 'no-restricted-globals': 'off', 'no-restricted-properties': 'off' },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
