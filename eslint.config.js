import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'dist/', 'coverage/', 'test-artifacts/', 'web/**/dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      // core is pure: no I/O and nothing of ours outside core (DESIGN.md "Layout").
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:fs', 'node:fs/*', 'node:net', 'node:http', 'node:child_process'],
              message: 'src/core does no I/O.',
            },
            {
              group: [
                '../cloud/*',
                '../device/*',
                '../cli/*',
                'fastify',
                'kysely',
                'mqtt',
                'aedes',
              ],
              message: 'src/core imports nothing of ours outside core and no framework.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/device/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/cloud/*', '**/cloud/**'],
              message: 'The emulator never imports the cloud.',
            },
          ],
        },
      ],
    },
  },
);
