/**
 * Jest transpiles with SWC and never type-checks: type-checking against azure-native's typings per
 * test file would make the suite crawl. `npm run typecheck` (tsc --noEmit, strict) does that once.
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/tests", "<rootDir>/bootstrap/tests"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.ts$": [
      "@swc/jest",
      { jsc: { parser: { syntax: "typescript" }, target: "es2022" }, module: { type: "commonjs" } },
    ],
  },
  moduleFileExtensions: ["ts", "js", "json"],
  testTimeout: 120000,
  maxWorkers: 2,
};
