#!/usr/bin/env node
// Runs a TypeScript entry point transpile-only (Sucrase via scripts/transpile.js, no type-check):
// `plan` and `bench` must not pay for type-checking azure-native's typings on every run;
// `npm run typecheck` does that once.
// Usage: node scripts/run-ts.js <file.ts> [args...]
"use strict";
const fs = require("fs");
const path = require("path");
const { transpile } = require("./transpile");

process.setSourceMapsEnabled(true);
require.extensions[".ts"] = function compile(module, filename) {
  const { code, map } = transpile(fs.readFileSync(filename, "utf8"), filename);
  const inline = Buffer.from(JSON.stringify({ ...map, sources: [filename] })).toString("base64");
  module._compile(`${code}\n//# sourceMappingURL=data:application/json;base64,${inline}`, filename);
};

const [, , entry, ...rest] = process.argv;
if (!entry) {
  process.stderr.write("usage: node scripts/run-ts.js <file.ts> [args...]\n");
  process.exit(2);
}
process.argv = [process.argv[0], path.resolve(entry), ...rest];
require(path.resolve(entry));
