import * as pulumi from "@pulumi/pulumi";
import { runUnit } from "./helpers/plan";

/**
 * What the offline engine does to the process while a program runs, and that it undoes it: the
 * SDK's promise-debug stacks are skipped, every other stack is kept, and a run in the process's
 * own Pulumi state (the plan command) happens once per process.
 */

/* eslint-disable @typescript-eslint/no-require-imports */
const debuggable = require("@pulumi/pulumi/runtime/debuggable") as {
  debuggablePromise<T>(p: Promise<T>, ctx: unknown): Promise<T>;
};
/* eslint-enable @typescript-eslint/no-require-imports */

/** The stack the SDK stamps on a promise it wraps (runtime/debuggable.js). */
function debugStackOf(): string {
  const p = Promise.resolve(1);
  void debuggable.debuggablePromise(p, "engine test");
  return (p as unknown as { _debugStackTrace: string })._debugStackTrace;
}

describe("runProgram: the SDK's promise-debug stacks", () => {
  const saved = process.env.PULUMI_DEBUG_PROMISE_LEAKS;
  afterEach(() => {
    if (saved === undefined) delete process.env.PULUMI_DEBUG_PROMISE_LEAKS;
    else process.env.PULUMI_DEBUG_PROMISE_LEAKS = saved;
  });

  it("GIVEN a program running THEN the SDK's promise stamps are empty, and outside a run they are real stacks", async () => {
    delete process.env.PULUMI_DEBUG_PROMISE_LEAKS;
    let inside: string | undefined;
    const r = await runUnit(async () => {
      inside = debugStackOf();
    });
    expect(r.error).toBeUndefined();
    expect(inside).toBe("");
    expect(debugStackOf()).toMatch(/\n {4}at (Object\.)?debuggablePromise \(/);
  });

  it("GIVEN PULUMI_DEBUG_PROMISE_LEAKS THEN the stamps keep their stacks (the leak report prints them)", async () => {
    process.env.PULUMI_DEBUG_PROMISE_LEAKS = "1";
    let inside: string | undefined;
    await runUnit(async () => {
      inside = debugStackOf();
    });
    expect(inside).toMatch(/\n {4}at (Object\.)?debuggablePromise \(/);
  });

  it("GIVEN a program that throws THEN its error keeps its message and stack, and the hook is removed after the run", async () => {
    delete process.env.PULUMI_DEBUG_PROMISE_LEAKS;
    const before = Error.prepareStackTrace;
    function failingStep(): never {
      throw new TypeError("boom from the program");
    }
    const r = await runUnit(async () => {
      new pulumi.ComponentResource("engram:test:Thing", "thing");
      failingStep();
    });
    const err = r.error as Error;
    expect(err).toBeInstanceOf(TypeError);
    expect(err.stack).toMatch(/^TypeError: boom from the program\n {4}at failingStep /);
    expect(Error.prepareStackTrace).toBe(before);
  });
});

describe("runProgram: isolate", () => {
  it("GIVEN isolate: false THEN the run uses the process's own state, and a second such run is refused", async () => {
    const first = await runUnit(
      async () => {
        new pulumi.ComponentResource("engram:test:Thing", "thing");
      },
      { isolate: false },
    );
    expect(first.error).toBeUndefined();
    // Outside any run, the SDK now sees the stack that run set: its state was the process's own.
    expect(pulumi.getStack()).toBe("unit");
    expect(first.resources.map((r) => r.urn)).toEqual([
      "urn:pulumi:unit::engram-infra::pulumi:pulumi:Stack::engram-infra-unit",
      "urn:pulumi:unit::engram-infra::engram:test:Thing::thing",
    ]);
    await expect(runUnit(async () => undefined, { isolate: false })).rejects.toThrow(
      "runProgram: only one run per process may use isolate: false",
    );
  });

  it("GIVEN two isolated runs at the same time THEN each records only its own resources (tests plan stacks concurrently)", async () => {
    const tick = () => new Promise((resolve) => setImmediate(resolve));
    const [a, b] = await Promise.all(
      ["a", "b"].map((name) =>
        runUnit(async () => {
          await tick();
          new pulumi.ComponentResource("engram:test:Thing", name);
          await tick();
        }),
      ),
    );
    expect(a.error).toBeUndefined();
    expect(b.error).toBeUndefined();
    expect(a.resources.map((r) => r.name)).toEqual(["engram-infra-unit", "a"]);
    expect(b.resources.map((r) => r.name)).toEqual(["engram-infra-unit", "b"]);
  });
});
