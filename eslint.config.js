// Lint: the recommended rule sets of ESLint and typescript-eslint (syntax only, no type
// information: `tsc --noEmit` is the type check), over every source file of the repository.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', '.cache/', '.local-data/', 'coverage/', 'bench/results/', 'web/dist/', 'test/web/screenshots/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { languageOptions: { globals: globals.node } },
  {
    rules: {
      // `_name` marks a deliberately unused binding (e.g. a field left out of a view).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    // Tests and benchmarks poke at untyped JSON responses, SDK internals and deliberately
    // malformed input, where `any` is the honest type.
    files: ['test/**', 'bench/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
