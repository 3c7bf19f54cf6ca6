import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";

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

/** Every .ts source file under SOURCE_DIRS, relative to the root, with `/` separators. */
function sourceFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const rel = path.posix.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name) && !SKIPPED_DIRS.has(rel)) walk(rel);
      } else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) out.push(rel);
    }
  };
  for (const dir of SOURCE_DIRS) if (fs.existsSync(path.join(ROOT, dir))) walk(dir);
  return out.sort();
}

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
