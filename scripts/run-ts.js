#!/usr/bin/env node
// Runs a TypeScript entry point transpile-only (Sucrase via scripts/transpile.js, no type-check):
// `plan` and `bench` must not pay for type-checking azure-native's typings on every run;
// `npm run typecheck` does that once.
// Usage: node scripts/run-ts.js <file.ts> [args...]
"use strict";
const fs = require("fs");
const path = require("path");
const { transpile } = require("./transpile");

// No source maps: Sucrase keeps every line where it was, so stack traces already point at the right
// TypeScript lines, and Node's source-map support would cost the plan ~20% (the SDK captures a stack
// for every resource it registers).
require.extensions[".ts"] = function compile(module, filename) {
  module._compile(transpile(fs.readFileSync(filename, "utf8"), filename).code, filename);
};

const [, , entry, ...rest] = process.argv;
if (!entry) {
  process.stderr.write("usage: node scripts/run-ts.js <file.ts> [args...]\n");
  process.exit(2);
}
process.argv = [process.argv[0], path.resolve(entry), ...rest];
require(path.resolve(entry));
