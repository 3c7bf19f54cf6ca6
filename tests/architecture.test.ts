import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { projectFiles } from "./helpers/source-files";

/**
 * The folders point one way (CONVENTIONS.md, issue 15): lib/ holds pure helpers and imports no other
 * folder of the project; components/ import lib/ (and each other), never src/; the bootstrap takes
 * from the main program only lib/; and no source file reaches itself through its imports. Read from
 * the sources (TypeScript's own import scanner: imports, `export ... from`, `require`, `import()`),
 * so a new file is checked without being listed here.
 */

const ROOT = path.resolve(__dirname, "..");
const SOURCE_DIRS = ["src", "lib", "components", "scripts", "bootstrap", "policy"];
/** Not sources: dependencies, build output, and the bootstrap's tests (which run the offline engine). */
const SKIPPED_DIRS = new Set(["node_modules", "build", "bootstrap/tests"]);

type Graph = Map<string, string[]>;

/** Every .ts source file under SOURCE_DIRS (declaration files left out). */
const sourceFiles = (): string[] =>
  projectFiles(SOURCE_DIRS, /\.ts$/, [...SKIPPED_DIRS]).filter((f) => !f.endsWith(".d.ts"));

/** The project files one file imports: relative specifiers resolved to `.ts` files (packages left out). */
function importsOf(file: string, text: string, exists: (rel: string) => boolean): string[] {
  const found = new Set<string>();
  for (const { fileName } of ts.preProcessFile(text, true, true).importedFiles) {
    if (!fileName.startsWith("./") && !fileName.startsWith("../")) continue;
    const base = path.posix.normalize(path.posix.join(path.posix.dirname(file), fileName));
    const target = [`${base}.ts`, `${base}/index.ts`, base].find((c) => c.endsWith(".ts") && exists(c));
    if (target) found.add(target);
  }
  return [...found].sort();
}

function projectGraph(): Graph {
  const files = sourceFiles();
  const known = new Set(files);
  const exists = (rel: string) => known.has(rel) || fs.existsSync(path.join(ROOT, rel));
  return new Map(
    files.map((f) => [f, importsOf(f, fs.readFileSync(path.join(ROOT, f), "utf8"), exists)] as const),
  );
}

/** Each import cycle once, as `a -> b -> a`, found by a depth-first search over the graph. */
function cyclesOf(graph: Graph): string[] {
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const cycles: string[] = [];
  const visit = (node: string) => {
    state.set(node, "open");
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      if (state.get(next) === "open") cycles.push([...stack.slice(stack.indexOf(next)), next].join(" -> "));
      else if (state.get(next) === undefined) visit(next);
    }
    stack.pop();
    state.set(node, "done");
  };
  for (const node of [...graph.keys()].sort()) if (state.get(node) === undefined) visit(node);
  return cycles;
}

/** The imports of files under `from` that land under one of `forbidden`, as `file -> target`. */
function crossings(graph: Graph, from: string, forbidden: string[]): string[] {
  return [...graph.entries()]
    .filter(([file]) => file.startsWith(`${from}/`))
    .flatMap(([file, targets]) =>
      targets.filter((t) => forbidden.some((dir) => t.startsWith(`${dir}/`))).map((t) => `${file} -> ${t}`),
    );
}

describe("architecture: the folders point one way", () => {
  const graph = projectGraph();

  it("reads the real sources (the layers, the components, lib/, the offline plan, the bootstrap)", () => {
    for (const f of [
      "src/program.ts",
      "src/layers/data.ts",
      "components/role-assignment.ts",
      "lib/naming.ts",
      "scripts/offline/report/index.ts",
      "bootstrap/src/names.ts",
    ])
      expect(graph.has(f)).toBe(true);
    expect(graph.get("components/role-assignment.ts")).toEqual(
      expect.arrayContaining(["lib/grants.ts", "lib/ids.ts", "lib/roles.ts"]),
    );
  });

  it("components/ import nothing from src/, scripts/ or the bootstrap", () => {
    expect(crossings(graph, "components", ["src", "scripts", "bootstrap", "policy", "tests"])).toEqual([]);
  });

  it("lib/ imports only lib/ (pure helpers at the bottom)", () => {
    expect(crossings(graph, "lib", ["src", "components", "scripts", "bootstrap", "policy", "tests"])).toEqual(
      [],
    );
  });

  it("the bootstrap takes from the main program only lib/", () => {
    expect(crossings(graph, "bootstrap", ["src", "components", "scripts", "policy", "tests"])).toEqual([]);
  });

  it("no source file reaches itself through its imports", () => {
    expect(cyclesOf(graph)).toEqual([]);
  });
});

describe("architecture: the checks can fail", () => {
  it("GIVEN a two-file cycle and a three-file cycle THEN both are reported", () => {
    const graph: Graph = new Map([
      ["a.ts", ["b.ts"]],
      ["b.ts", ["a.ts", "c.ts"]],
      ["c.ts", ["d.ts"]],
      ["d.ts", ["e.ts"]],
      ["e.ts", ["c.ts"]],
      ["f.ts", ["a.ts"]],
    ]);
    expect(cyclesOf(graph)).toEqual(["a.ts -> b.ts -> a.ts", "c.ts -> d.ts -> e.ts -> c.ts"]);
  });

  it("GIVEN type-only imports, re-exports, require and import() THEN each counts; packages and comments do not", () => {
    const text = [
      'import type { Environment } from "../src/matrix";',
      'export { byKey } from "../lib/text";',
      'const roles = require("../lib/roles");',
      'const later = import("./other");',
      'import * as pulumi from "@pulumi/pulumi";',
      '// import { x } from "../src/config";',
    ].join("\n");
    const exists = (rel: string) =>
      ["src/matrix.ts", "lib/text.ts", "lib/roles.ts", "components/other.ts", "src/config.ts"].includes(rel);
    expect(importsOf("components/x.ts", text, exists)).toEqual([
      "components/other.ts",
      "lib/roles.ts",
      "lib/text.ts",
      "src/matrix.ts",
    ]);
  });
});

/**
 * Files a reader can hold in mind (issue 15): no source file over MAX_FILE_LINES unless its first
 * line is a `// table` comment (a file that is mostly one data table, saying which), and no function
 * over MAX_FUNCTION_LINES (every function-like node with a body: declarations, methods, constructors,
 * accessors, arrows, function expressions), measured from its first token to its closing brace.
 */
const MAX_FILE_LINES = 300;
const MAX_FUNCTION_LINES = 120;

/**
 * Functions over the limit today and not yet split, each with the reason it waits. The test fails
 * when one is split (remove it here) as well as when anything new goes over, so this list only shrinks.
 */
const NOT_YET_SPLIT: Record<string, string> = {};

const lineCount = (text: string) => text.split("\n").length - (text.endsWith("\n") ? 1 : 0);

/** Files over MAX_FILE_LINES whose first line is not a `// table` comment, as `file (N lines)`. */
function longFiles(files: Record<string, string>): string[] {
  return Object.entries(files)
    .filter(([, text]) => lineCount(text) > MAX_FILE_LINES && !/^\/\/ table\b/.test(text))
    .map(([file, text]) => `${file} (${lineCount(text)} lines)`);
}

/** A function's name for the report: `Class.method`, `Class.constructor`, `name`, or `<function>@line`. */
function functionName(node: ts.FunctionLikeDeclaration, sf: ts.SourceFile): string {
  const owner = ts.isClassLike(node.parent) && node.parent.name ? `${node.parent.name.text}.` : "";
  if (ts.isConstructorDeclaration(node)) return `${owner}constructor`;
  if (node.name) return `${owner}${node.name.getText(sf)}`;
  if (ts.isVariableDeclaration(node.parent) || ts.isPropertyAssignment(node.parent))
    return node.parent.name.getText(sf);
  return `<function>@${sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1}`;
}

/** Functions over MAX_FUNCTION_LINES, as `file name`. */
function longFunctions(file: string, text: string): string[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && "body" in node && node.body) {
      const first = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
      const last = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
      if (last - first + 1 > MAX_FUNCTION_LINES) found.push(`${file} ${functionName(node, sf)}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

describe("architecture: files and functions a reader can hold in mind", () => {
  const files = Object.fromEntries(
    sourceFiles()
      .filter((f) => !f.endsWith(".test.ts"))
      .map((f) => [f, fs.readFileSync(path.join(ROOT, f), "utf8")] as const),
  );

  it(`no source file is over ${MAX_FILE_LINES} lines unless it says it is a table`, () => {
    expect(longFiles(files)).toEqual([]);
  });

  it(`no function is over ${MAX_FUNCTION_LINES} lines (beyond the ones listed as not yet split)`, () => {
    const long = Object.entries(files).flatMap(([file, text]) => longFunctions(file, text));
    expect(long.filter((f) => !(f in NOT_YET_SPLIT))).toEqual([]);
    expect(Object.keys(NOT_YET_SPLIT).filter((f) => !long.includes(f))).toEqual([]);
  });

  it("GIVEN a long file, a long declared table, and long functions of each kind THEN each is found", () => {
    const body = (n: number) => Array.from({ length: n }, (_, i) => `  const v${i} = ${i};`).join("\n");
    const long = "x;\n".repeat(MAX_FILE_LINES + 1);
    expect(longFiles({ "a.ts": long, "b.ts": `// table: the rows\n${long}`, "c.ts": "x;\n" })).toEqual([
      `a.ts (${MAX_FILE_LINES + 1} lines)`,
    ]);
    const n = MAX_FUNCTION_LINES - 1;
    const text = [
      `function f() {\n${body(n)}\n}`,
      `function g() {\n${body(n - 1)}\n}`,
      `const h = () => {\n${body(n)}\n};`,
      `class K { constructor() {\n${body(n)}\n} m() {\n${body(n)}\n} }`,
      `run(function () {\n${body(n)}\n});`,
    ].join("\n");
    expect(longFunctions("x.ts", text)).toEqual([
      "x.ts f",
      "x.ts h",
      "x.ts K.constructor",
      "x.ts K.m",
      expect.stringMatching(/^x\.ts <function>@\d+$/),
    ]);
  });
});
