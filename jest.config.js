// middy 7 is ESM-only, so the whole suite runs as native ES modules (npm test passes
// --experimental-vm-modules); esbuild only strips the types, `tsc --noEmit` does the type-checking.
/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  globalSetup: '<rootDir>/test/support/global-setup.js',
  globalTeardown: '<rootDir>/test/support/global-teardown.js',
  setupFiles: ['<rootDir>/test/support/quiet-metrics.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': '<rootDir>/test/support/esbuild-transform.js' },
  testTimeout: 60_000,
  reporters: ['<rootDir>/test/support/slowest-suites.js', 'default'],
  testSequencer: '<rootDir>/test/support/sequencer.js',
  // Most suites wait (on services, child processes, the CLI) more than they compute: four workers keep
  // two cores busy without starving the timing-sensitive ones (test/service) on a machine others share.
  maxWorkers: 4,
};
