#!/usr/bin/env node
// Runs a TypeScript entry point transpile-only (SWC, no type-check): `plan` and `bench` must not pay
// for type-checking azure-native's typings on every run; `npm run typecheck` does that once.
// Usage: node scripts/run-ts.js <file.ts> [args...]
"use strict";
const fs = require("fs");
const path = require("path");
const swc = require("@swc/core");

const options = {
  jsc: { parser: { syntax: "typescript" }, target: "es2022" },
  module: { type: "commonjs" },
  sourceMaps: "inline",
};
require.extensions[".ts"] = function compile(module, filename) {
  const source = fs.readFileSync(filename, "utf8");
  const { code } = swc.transformSync(source, { ...options, filename });
  module._compile(code, filename);
};

const [, , entry, ...rest] = process.argv;
if (!entry) {
  process.stderr.write("usage: node scripts/run-ts.js <file.ts> [args...]\n");
  process.exit(2);
}
process.argv = [process.argv[0], path.resolve(entry), ...rest];
require(path.resolve(entry));
