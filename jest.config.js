/**
 * The suite runs the compiled build: `npm test` compiles src/ as `npm run build` does
 * (tsconfig.build.json) and the tests against it (tsconfig.test.json), so what is tested
 * is byte for byte what `npm start` and the image run. Integration tests talk to real
 * MongoDB-compatible and Redis servers started once per run.
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/dist/test'],
  testMatch: ['**/*.test.js'],
  transform: {},
  globalSetup: '<rootDir>/dist/test/setup/global-setup.js',
  globalTeardown: '<rootDir>/dist/test/setup/global-teardown.js',
  setupFiles: ['<rootDir>/dist/test/setup/block-network.js'],
  testTimeout: 30000,
  maxWorkers: 2,
};
