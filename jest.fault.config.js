// Fault tier (`npm run test:faults`): the built API as a child process against a throwaway PostgreSQL
// cluster per run (test/fault/, access-and-audit.md §6.4). Not part of `npm test`; runs in band, since
// every test kills and restarts processes, and with long timeouts.
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      target: 'es2022',
    },
    module: { type: 'es6' },
    sourceMaps: 'inline',
  },
];

export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': swc },
  roots: ['<rootDir>/test/fault'],
  testMatch: ['**/*.fault-spec.ts'],
  testTimeout: 1_800_000,
  // Progress lines (rounds, recovery times) should appear as they happen, not after the file finishes.
  verbose: true,
};
