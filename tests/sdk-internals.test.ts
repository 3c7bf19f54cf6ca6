import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { SDK_INTERNALS, SdkInternal } from "../scripts/offline/sdk-internals";
import { projectFiles } from "./helpers/source-files";

/**
 * The offline engine depends on parts of the Pulumi SDK that are not its public API. Each is named in
 * SDK_INTERNALS (scripts/offline/sdk-internals.ts); this test checks every entry against the installed
 * SDK, so an upgrade that moves, renames or reshapes one fails here, by name, instead of as a plan
 * that is silently wrong. It also checks that nothing else reaches into the SDK: a deep import of
 * `@pulumi/pulumi/...` or `google-protobuf` anywhere in the project is either in sdk-internals.ts or
 * listed in the table for the file that makes it.
 */

const ROOT = path.resolve(__dirname, "..");
const INTERNALS_FILE = "scripts/offline/sdk-internals.ts";
const THIS_FILE = "tests/sdk-internals.test.ts";
/* eslint-disable @typescript-eslint/no-require-imports */
const SDK_VERSION = (require("@pulumi/pulumi/package.json") as { version: string }).version;

const label = (e: Pick<SdkInternal, "module" | "name">): string =>
  `${e.module.replace(/^@pulumi\/pulumi\//, "")}.${e.name}`;
const changed = (e: Pick<SdkInternal, "module" | "name">, what: string): string =>
  `SDK ${SDK_VERSION} changed ${label(e)}: ${what}; see README 'Upgrading the Pulumi SDK'`;

/** What is wrong with one entry against the installed SDK; empty when it holds. */
function problemsOf(e: SdkInternal): string[] {
  let value: unknown;
  try {
    value = require(e.module);
  } catch (err) {
    return [changed(e, `the module cannot be loaded (${(err as Error).message.split("\n")[0]})`)];
  }
  for (const part of e.name.split(".")) value = (value as Record<string, unknown> | undefined)?.[part];
  if (value === undefined) return [changed(e, "it is no longer exported")];
  const problems: string[] = [];
  const shape = e.shape;
  switch (shape.kind) {
    case "value":
      if (value !== shape.equals)
        problems.push(
          changed(e, `expected the value ${JSON.stringify(shape.equals)}, got ${JSON.stringify(value)}`),
        );
      break;
    case "function": {
      if (typeof value !== "function") return [changed(e, `expected a function, got ${typeof value}`)];
      const fn = value as (...args: unknown[]) => unknown;
      if (fn.length !== shape.arity)
        problems.push(changed(e, `expected a function of ${shape.arity} parameters, got ${fn.length}`));
      if (shape.byName && fn.name !== e.name.split(".").pop())
        problems.push(changed(e, `the engine finds it by its name in stack frames, now "${fn.name}"`));
      break;
    }
    case "class": {
      if (typeof value !== "function") return [changed(e, `expected a class, got ${typeof value}`)];
      const cls = value as (new () => Record<string, unknown>) & Record<string, unknown>;
      for (const m of shape.methods ?? [])
        if (typeof cls.prototype[m] !== "function")
          problems.push(changed(e, `expected a class with method ${m}`));
      for (const m of shape.statics ?? [])
        if (typeof cls[m] !== "function")
          problems.push(changed(e, `expected a class with static method ${m}`));
      if (shape.fields?.length) {
        const instance = new cls();
        for (const f of shape.fields)
          if (!(f in instance)) problems.push(changed(e, `expected a new instance to have field ${f}`));
      }
      break;
    }
  }
  if (e.viaPublic) {
    const [root, ns, name] = e.viaPublic.split(".");
    const pub =
      root === "pulumi" && ns === "runtime" ? (pulumi.runtime as Record<string, unknown>)[name] : undefined;
    if (pub !== value)
      problems.push(changed(e, `${e.viaPublic} is no longer the same export (the engine uses it)`));
  }
  return problems;
}
/* eslint-enable @typescript-eslint/no-require-imports */

/** Source files of the project (node_modules and build output left out), relative to the root. */
const sourceFiles = (): string[] =>
  projectFiles(["scripts", "src", "lib", "components", "bootstrap", "tests"], /\.(ts|js|mjs|cjs)$/, [
    "node_modules",
    "build",
    "bin",
    ".git",
  ]).filter((f) => f !== THIS_FILE);

/** The SDK-internal module paths a source file names (imports, requires, any string literal). */
function deepImportsOf(file: string): string[] {
  const text = fs.readFileSync(path.join(ROOT, file), "utf8");
  const found = new Set<string>();
  for (const m of text.matchAll(/["'`](@pulumi\/pulumi\/[^"'`]+|google-protobuf(?:\/[^"'`]*)?)["'`]/g))
    found.add(m[1]);
  return [...found];
}

describe("SDK internals the offline engine uses (scripts/offline/sdk-internals.ts)", () => {
  it.each(SDK_INTERNALS.map((e) => [label(e), e] as const))("%s has the shape the engine expects", (_, e) => {
    const problems = problemsOf(e);
    if (problems.length > 0) throw new Error(problems.join("\n"));
  });

  it("names each internal once", () => {
    const labels = SDK_INTERNALS.map(label);
    expect(labels.filter((l, i) => labels.indexOf(l) !== i)).toEqual([]);
  });

  it("GIVEN an upgrade that changes an internal THEN the check names it and points to the README", () => {
    const state = "@pulumi/pulumi/runtime/state";
    expect(
      problemsOf({ module: state, name: "getStore", shape: { kind: "function", arity: 2 }, purpose: "" }),
    ).toEqual([
      `SDK ${SDK_VERSION} changed runtime/state.getStore: expected a function of 2 parameters, got 0; see README 'Upgrading the Pulumi SDK'`,
    ]);
    expect(
      problemsOf({
        module: state,
        name: "getStoreRenamed",
        shape: { kind: "function", arity: 0 },
        purpose: "",
      }),
    ).toEqual([
      `SDK ${SDK_VERSION} changed runtime/state.getStoreRenamed: it is no longer exported; see README 'Upgrading the Pulumi SDK'`,
    ]);
    expect(
      problemsOf({
        module: "@pulumi/pulumi/runtime/mocks",
        name: "MockMonitor",
        shape: { kind: "class", methods: ["registerResourceV2"], fields: ["resourcesById"] },
        purpose: "",
      }),
    ).toEqual([
      `SDK ${SDK_VERSION} changed runtime/mocks.MockMonitor: expected a class with method registerResourceV2; see README 'Upgrading the Pulumi SDK'`,
      `SDK ${SDK_VERSION} changed runtime/mocks.MockMonitor: expected a new instance to have field resourcesById; see README 'Upgrading the Pulumi SDK'`,
    ]);
    expect(
      problemsOf({
        module: "@pulumi/pulumi/runtime/rpc",
        name: "unknownValue",
        shape: { kind: "value", equals: "unknown" },
        viaPublic: "pulumi.runtime.specialSigKey",
        purpose: "",
      }),
    ).toEqual([
      `SDK ${SDK_VERSION} changed runtime/rpc.unknownValue: expected the value "unknown", got "04da6b54-80e4-46f7-96ec-b56ff0331ba9"; see README 'Upgrading the Pulumi SDK'`,
      `SDK ${SDK_VERSION} changed runtime/rpc.unknownValue: pulumi.runtime.specialSigKey is no longer the same export (the engine uses it); see README 'Upgrading the Pulumi SDK'`,
    ]);
    expect(
      problemsOf({
        module: "@pulumi/pulumi/runtime/gone",
        name: "x",
        shape: { kind: "value", equals: "" },
        purpose: "",
      })[0],
    ).toMatch(/^SDK .* changed runtime\/gone\.x: the module cannot be loaded/);
  });

  it("the README section the failure messages point to exists", () => {
    expect(fs.readFileSync(path.join(ROOT, "README.md"), "utf8")).toMatch(/^## Upgrading the Pulumi SDK$/m);
  });

  it("lists the config secret check src/load-config.ts reads from pulumi.runtime, and the engine's own test of the promise-debug frame", () => {
    const configSecret = SDK_INTERNALS.find((e) => label(e) === "runtime/config.isConfigSecret");
    expect(configSecret?.viaPublic).toBe("pulumi.runtime.isConfigSecret");
    expect(fs.readFileSync(path.join(ROOT, "src", "load-config.ts"), "utf8")).toContain(
      "runtime.isConfigSecret(fullKey)",
    );
    expect(
      SDK_INTERNALS.find((e) => label(e) === "runtime/debuggable.debuggablePromise")?.directUsers,
    ).toEqual(["tests/engine.test.ts"]);
  });
});

describe("no other file reaches into the SDK", () => {
  const files = sourceFiles();

  it("finds the sources it scans (the engine, the plan, the bootstrap tests among them)", () => {
    for (const f of [
      "scripts/offline/engine.ts",
      "scripts/offline/plan.ts",
      "scripts/plan.ts",
      "scripts/bench.ts",
      "bootstrap/tests/harness.ts",
      INTERNALS_FILE,
    ])
      expect(files).toContain(f);
  });

  it("every module sdk-internals.ts names is in the table", () => {
    const modules = new Set(SDK_INTERNALS.map((e) => e.module));
    expect(deepImportsOf(INTERNALS_FILE).filter((m) => !modules.has(m))).toEqual([]);
  });

  it("every other deep import is listed in the table for the file that makes it", () => {
    const unlisted = files
      .filter((f) => f !== INTERNALS_FILE)
      .flatMap((f) =>
        deepImportsOf(f)
          .filter((m) => !SDK_INTERNALS.some((e) => e.module === m && e.directUsers?.includes(f)))
          .map(
            (m) =>
              `${f} requires ${m}: use scripts/offline/sdk-internals.ts instead (or list it in SDK_INTERNALS)`,
          ),
      );
    expect(unlisted).toEqual([]);
  });

  it("the offline engine itself requires no SDK internal", () => {
    expect(deepImportsOf("scripts/offline/engine.ts")).toEqual([]);
  });

  it("every direct user the table names still requires that module (the table is not stale)", () => {
    const stale = SDK_INTERNALS.flatMap((e) =>
      (e.directUsers ?? [])
        .filter((f) => !fs.existsSync(path.join(ROOT, f)) || !deepImportsOf(f).includes(e.module))
        .map((f) => `${label(e)}: ${f} no longer requires ${e.module}`),
    );
    expect(stale).toEqual([]);
  });
});
