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

const common = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': swc },
};

/** Unit specs sit beside the code; integration and e2e tests get a database each (test/support/per-file-db.ts). */
export default {
  testTimeout: 60000,
  globalSetup: '<rootDir>/test/support/global-setup.mjs',
  globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
  projects: [
    { ...common, displayName: 'unit', roots: ['<rootDir>/src', '<rootDir>/migrations'], testMatch: ['**/*.spec.ts'] },
    {
      ...common,
      displayName: 'db',
      roots: ['<rootDir>/test'],
      testPathIgnorePatterns: ['/test/fault/', '/test/soak/'],
      testMatch: ['**/*.int-spec.ts', '**/*.e2e-spec.ts', '**/*.fuzz-spec.ts'],
      setupFiles: ['<rootDir>/test/support/setup-env.cjs'],
      setupFilesAfterEnv: ['<rootDir>/test/support/per-file-db.ts'],
    },
  ],
};
