/**
 * Jest transpiles with Sucrase (scripts/transpile.js) and never type-checks: type-checking against
 * azure-native's typings per test file would make the suite crawl. `npm run typecheck`
 * (tsc --noEmit, strict) does that once.
 * @type {import('jest').Config}
 */
// `npm test` writes jest's JSON results to build/ (read by .ci/run); jest does not create the folder.
require("fs").mkdirSync(require("path").join(__dirname, "build"), { recursive: true });

module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/tests", "<rootDir>/bootstrap/tests"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.ts$": "<rootDir>/scripts/transpile.js",
  },
  moduleFileExtensions: ["ts", "js", "json"],
  // Each committed stack is planned once per run, before the test files (tests/helpers/plan.ts reads it).
  globalSetup: "<rootDir>/tests/global-setup.ts",
  globalTeardown: "<rootDir>/tests/global-teardown.ts",
  testTimeout: 120000,
  maxWorkers: 2,
};
