"use strict";
// One TypeScript-to-CommonJS transpiler for everything that runs TypeScript without type-checking:
// jest (jest.config.js) and the offline plan/bench (scripts/run-ts.js). Sucrase strips types and
// rewrites imports; it is plain JavaScript, so it installs from any registry on any platform.
// Type-checking is `npm run typecheck` (tsc --noEmit, strict), once.
const { transform } = require("sucrase");

/** @type {import("sucrase").Options["transforms"]} */
const TRANSFORMS = ["typescript", "imports"];

/** With a source map (jest). @param {string} source @param {string} filePath */
function transpile(source, filePath) {
  const { code, sourceMap } = transform(source, {
    transforms: TRANSFORMS,
    filePath,
    sourceMapOptions: { compiledFilename: filePath },
    production: true,
  });
  return { code, map: sourceMap };
}

/** The code alone, without a source map (scripts/run-ts.js: Sucrase keeps line numbers). */
function transpileCode(source, filePath) {
  return transform(source, { transforms: TRANSFORMS, filePath, production: true }).code;
}

module.exports = {
  transpile,
  transpileCode,
  // The jest transformer interface.
  process(source, filePath) {
    return transpile(source, filePath);
  },
};
