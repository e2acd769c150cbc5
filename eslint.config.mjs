import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'test-artifacts/', '.venv-fuzz/', '.data/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': 'error',
      // Refusing control characters is the point of several patterns here.
      'no-control-regex': 'off',
    },
  },
  {
    // CommonJS output keeps these names for the module itself: a local `exports` once
    // shadowed the module's exports in dist/ and turned a route into a 500.
    files: ['**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            ':matches(VariableDeclarator, FunctionDeclaration, ClassDeclaration) > Identifier.id[name=/^(exports|module|require)$/], :function > Identifier.params[name=/^(exports|module|require)$/]',
          message: 'This name is the CommonJS module itself in dist/: pick another.',
        },
      ],
    },
  },
  { files: ['bench/**', 'scripts/**', 'test/setup/**', 'src/dev/**'], rules: { 'no-console': 'off' } },
  {
    files: ['**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        module: 'writable',
        require: 'readonly',
        process: 'readonly',
        setInterval: 'readonly',
        setTimeout: 'readonly',
        __dirname: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
