#!/usr/bin/env node
// Runs a TypeScript entry point transpile-only (Sucrase via scripts/transpile.js, no type-check):
// `plan` and `bench` must not pay for type-checking azure-native's typings on every run;
// `npm run typecheck` does that once.
// Usage: node scripts/run-ts.js <file.ts> [args...]
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

// Transpiled files are cached by content in node_modules/.cache/engram-ts (where other tools keep
// their caches; never committed). A run whose sources did not change loads neither Sucrase nor
// re-transpiles anything: about a tenth of a plan. The key covers the source, the file's path, this
// file and the transpiler's options and version, so any change to one of them misses the cache.
// ENGRAM_TS_CACHE=0 turns the cache off; ENGRAM_TS_CACHE_DIR puts it elsewhere.
const CACHE_DIR =
  process.env.ENGRAM_TS_CACHE_DIR || path.join(__dirname, "..", "node_modules", ".cache", "engram-ts");
const useCache = process.env.ENGRAM_TS_CACHE !== "0";
let salt;
let transpiler;

function cacheSalt() {
  if (salt === undefined) {
    const sucrase = require.resolve("sucrase/package.json");
    salt = [
      fs.readFileSync(__filename, "utf8"),
      fs.readFileSync(path.join(__dirname, "transpile.js"), "utf8"),
      JSON.parse(fs.readFileSync(sucrase, "utf8")).version,
    ].join("\0");
  }
  return salt;
}

/** CommonJS code for a TypeScript file: from the cache, or transpiled (and then cached). */
function compiledCode(source, filename) {
  const key = useCache
    ? crypto
        .createHash("sha256")
        .update(cacheSalt())
        .update("\0")
        .update(filename)
        .update("\0")
        .update(source)
        .digest("hex")
    : undefined;
  const cached = key && path.join(CACHE_DIR, `${key}.js`);
  if (cached) {
    try {
      return fs.readFileSync(cached, "utf8");
    } catch {
      // not cached yet
    }
  }
  transpiler ??= require("./transpile");
  const code = transpiler.transpileCode(source, filename);
  if (cached) {
    // Written to a temporary name and renamed, so a concurrent run never reads half a file.
    // A cache that cannot be written (read-only checkout) only costs speed.
    try {
      fs.mkdirSync(CACHE_DIR, { recursive: true });
      const tmp = `${cached}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, code);
      fs.renameSync(tmp, cached);
    } catch {
      // run uncached
    }
  }
  return code;
}

// No source maps: Sucrase keeps every line where it was, so stack traces already point at the right
// TypeScript lines, and Node's source-map support would cost the plan ~20% (the SDK captures a stack
// for every resource it registers).
require.extensions[".ts"] = function compile(module, filename) {
  module._compile(compiledCode(fs.readFileSync(filename, "utf8"), filename), filename);
};

const [, , entry, ...rest] = process.argv;
if (!entry) {
  process.stderr.write("usage: node scripts/run-ts.js <file.ts> [args...]\n");
  process.exit(2);
}
if (!fs.existsSync(path.resolve(entry))) {
  process.stderr.write(
    `no such file: ${JSON.stringify(entry)}\nusage: node scripts/run-ts.js <file.ts> [args...]\n`,
  );
  process.exit(2);
}
process.argv = [process.argv[0], path.resolve(entry), ...rest];
require(path.resolve(entry));
