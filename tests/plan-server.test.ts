import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { askPlanServer } from "./helpers/plan-client";
import { PLAN_SERVERS_ENV, PlanServerAddress, planServers, ROOT } from "./helpers/plan-files";
import { decodeExact, encodeExact, jsonDifference, ServerStatus } from "./helpers/plan-protocol";
import { plan, planOk, planRefused, programRun, stackConfig } from "./helpers/plan";
import { fedSecretsVariant, TEST_FED } from "./helpers/variants";

/**
 * The plan servers (tests/helpers/plan-server.ts): test files plan variants on them without loading
 * the SDK, get exactly what planStack returns, and never hang on a server that crashed or got stuck;
 * a server does not outlive jest.
 */

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "engram-plan-server-"));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe("variants in a test file", () => {
  it("are planned and run on this run's plan servers: this file loads neither the Pulumi SDK nor the program", async () => {
    expect(planServers()).toHaveLength(2);
    // dev's shared fed-secrets variant (engram:alerts=true among its overrides): planned once per run.
    const { index, config } = await planOk("dev", fedSecretsVariant("dev"));
    expect(config.decisions.alerts).toEqual({ value: true, source: "override" });
    expect(index.ofType("azure-native:monitor:ActionGroup").length).toBeGreaterThan(0);
    expect(await planRefused("prod", { set: { "engram:alerts": "false" } })).toEqual([
      "engram:alerts=false is not allowed in prod: security alerts are required in uat, staging and prod (SOP 000 Logging & Monitoring)",
    ]);
    // The same run as tests/config.test.ts's: one of them runs it, the other gets the kept answer.
    const run = await programRun("dev", {
      set: { "engram:frontendOrigins": '["*"]' },
      secrets: { "engram:azureAiKey": "sk-test" },
    });
    expect(run.resources.map((r) => r.type)).toEqual(["pulumi:pulumi:Stack"]);
    expect((run.error as Error).name).toBe("ConfigError");
    const loaded = Object.keys(require.cache).filter(
      (m) => m.includes("/node_modules/@pulumi") || /\/(src\/(program|layers)|components)\//.test(m),
    );
    expect(loaded).toEqual([]);
  });

  it("GIVEN a request whose planStack throws THEN the error comes back with its message", async () => {
    let expected = "";
    try {
      stackConfig("no-such-stack");
    } catch (e) {
      expected = (e as Error).message;
    }
    expect(expected).toContain("no-such-stack");
    await expect(plan("no-such-stack", { set: { "engram:alerts": "true" } })).rejects.toThrow(expected);
  });

  it("GIVEN a change JSON cannot carry THEN the request is refused before it is sent", async () => {
    await expect(plan("dev", { set: { "engram:alerts": NaN } })).rejects.toThrow(
      "the request does not survive JSON at $.change.set.engram:alerts",
    );
  });

  it("GIVEN a plan with an undefined setting THEN it arrives as planStack returned it, key included", async () => {
    // planStack's config has `registry: undefined` when the stack sets none; plain JSON would drop it.
    // test's shared variant configures no registry (tests/helpers/variants.ts).
    expect(TEST_FED.unset).toContain("engram:registry");
    const { config } = await planOk("test", TEST_FED);
    expect(Object.keys(config)).toContain("registry");
    expect(config.registry).toBeUndefined();
  });
});

describe("JSON carries a plan exactly, or the server refuses to send it", () => {
  it("keeps undefined values in place, in arrays too", () => {
    const value = { a: 1, b: undefined, c: [undefined, 2], d: { e: undefined } };
    const back = decodeExact<typeof value>(encodeExact(value, "v"));
    expect(back).toStrictEqual(value);
    expect(Object.keys(back)).toEqual(["a", "b", "c", "d"]);
    expect(Object.keys(back.d)).toEqual(["e"]);
  });

  it.each([
    ["plain data", undefined, { a: [1, "x", { b: null }] }],
    ["a Date", "$.a.0", { a: [new Date(0)] }],
    ["a Map", "$.m (a Map)", { m: new Map() }],
    ["NaN", "$.n", { n: NaN }],
    ["the text that stands for undefined", "$.s", { s: "\u0000engram:undefined\u0000" }],
  ])("%s: jsonDifference is %s", (_label, where, value) => {
    expect(jsonDifference(value)).toBe(where);
    if (where)
      expect(() => encodeExact(value, "the value")).toThrow(`the value does not survive JSON at ${where}`);
  });
});

/** A fake plan server on a socket of its own, answering each connection with `answer`. */
async function fakeServer(
  name: string,
  answer: (conn: net.Socket, id: number) => void,
  status: ServerStatus = { queued: 0, has: false },
): Promise<{ address: PlanServerAddress; close: () => void }> {
  const socket = path.join(tmp, `${name}.sock`);
  const log = path.join(tmp, `${name}.log`);
  fs.writeFileSync(log, `the last words of ${name}\n`);
  const server = net.createServer((conn) => {
    conn.setEncoding("utf8");
    conn.once("data", (line: string) => {
      const req = JSON.parse(line) as { id: number; op: string };
      if (req.op === "status") conn.end(`${JSON.stringify({ id: req.id, status })}\n`);
      else answer(conn, req.id);
    });
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  return { address: { socket, log, pid: 4242 }, close: () => server.close() };
}

describe("which server plans a request", () => {
  const body = { op: "plan" as const, stack: "dev", change: { set: { "engram:alerts": "true" } } };
  /** A server that answers every request with a refusal naming itself. */
  const named = (name: string, status: ServerStatus) =>
    fakeServer(
      name,
      (conn, id) => conn.end(`${JSON.stringify({ id, plan: { ok: false, stack: name, problems: [] } })}\n`),
      status,
    );
  const answeredBy = async (servers: PlanServerAddress[]) =>
    ((await askPlanServer(servers, body, "planning dev")).plan as { stack: string }).stack;

  it("GIVEN one server has taken the request before THEN it, however busy; else the least busy; a server that does not answer is passed over", async () => {
    const busy = await named("busy-has", { queued: 5, has: true });
    const idle = await named("idle", { queued: 0, has: false });
    const busier = await named("busier", { queued: 7, has: false });
    try {
      expect(await answeredBy([idle.address, busy.address])).toBe("busy-has");
      expect(await answeredBy([busier.address, idle.address])).toBe("idle");
      expect(await answeredBy([idle.address, busier.address])).toBe("idle");
      const gone = { socket: path.join(tmp, "nobody.sock"), log: path.join(tmp, "nobody.log"), pid: 1 };
      expect(await answeredBy([gone, busier.address])).toBe("busier");
    } finally {
      for (const f of [busy, idle, busier]) f.close();
    }
  });
});

describe("a server that crashed or got stuck never hangs a test", () => {
  const body = { op: "plan" as const, stack: "dev", change: { set: { "engram:alerts": "true" } } };

  it("GIVEN a server that dies while planning THEN the request fails naming it and the end of its log", async () => {
    const fake = await fakeServer("crashing", (conn, id) => {
      conn.write(`${JSON.stringify({ id, started: true })}\n`);
      setTimeout(() => conn.destroy(), 20);
    });
    try {
      const err = await askPlanServer([fake.address], body, "planning dev").catch((e: Error) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(
        /^planning dev: plan server 4242 \(\S+crashing\.sock\) closed the connection before answering: it crashed or was stopped; its log \S+crashing\.log ends:\nthe last words of crashing$/,
      );
    } finally {
      fake.close();
    }
  });

  it("GIVEN a server that started and answers nothing THEN the request fails as stuck", async () => {
    const fake = await fakeServer("stuck", (conn, id) =>
      conn.write(`${JSON.stringify({ id, started: true })}\n`),
    );
    try {
      await expect(askPlanServer([fake.address], body, "planning dev", { stallMs: 200 })).rejects.toThrow(
        "started the request and answered nothing in 0.2 s: stuck, stopped waiting",
      );
    } finally {
      fake.close();
    }
  });

  it("GIVEN a server that never takes the request THEN the request fails after the queue limit", async () => {
    const fake = await fakeServer("busy", () => undefined);
    try {
      await expect(askPlanServer([fake.address], body, "planning dev", { queueMs: 200 })).rejects.toThrow(
        "did not start the request in 0.2 s",
      );
    } finally {
      fake.close();
    }
  });

  it("GIVEN no server at the socket THEN the request fails at once as not reachable", async () => {
    const address = { socket: path.join(tmp, "gone.sock"), log: path.join(tmp, "gone.log"), pid: 7 };
    await expect(askPlanServer([address], body, "planning dev")).rejects.toThrow(
      /^planning dev: plan server 7 \(\S+gone\.sock\) is not reachable \(connect ENOENT \S+\): it crashed or was stopped/,
    );
  });

  it("GIVEN an error answer THEN it is rethrown with its message, the server's stack kept", async () => {
    const fake = await fakeServer("throwing", (conn, id) =>
      conn.end(
        `${JSON.stringify({ id, error: { name: "Error", message: "boom", stack: "Error: boom\n    at program" } })}\n`,
      ),
    );
    try {
      const err = (await askPlanServer([fake.address], body, "planning dev").catch((e: Error) => e)) as Error;
      expect(err.message).toBe("boom");
      expect(err.stack).toContain("at program");
    } finally {
      fake.close();
    }
  });
});

describe("a plan server's lifecycle", () => {
  /** A server of no committed stack (it loads no SDK until asked to plan). */
  function startServer(name: string): Promise<{ child: ChildProcess; socket: string }> {
    const socket = path.join(tmp, `${name}.sock`);
    const child = spawn(
      process.execPath,
      ["scripts/run-ts.js", "tests/helpers/write-plans.ts", tmp, "--serve", socket],
      { cwd: ROOT, stdio: ["pipe", "pipe", "inherit"], env: { ...process.env, [PLAN_SERVERS_ENV]: "" } },
    );
    return new Promise((resolve, reject) => {
      child.stdout?.setEncoding("utf8");
      child.stdout?.once("data", (d: string) =>
        d === "ready\n" ? resolve({ child, socket }) : reject(new Error(`not ready: ${d}`)),
      );
      child.once("exit", (code) => reject(new Error(`exited ${code}`)));
    });
  }
  const exited = (child: ChildProcess) =>
    new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

  it("GIVEN its parent's end of stdin closes (jest went away) THEN it exits and removes its socket", async () => {
    const { child, socket } = await startServer("orphan");
    expect(fs.existsSync(socket)).toBe(true);
    const exit = exited(child);
    child.stdin?.end();
    expect(await exit).toBe(0);
    expect(fs.existsSync(socket)).toBe(false);
  });

  it("GIVEN the process that started it is killed (SIGKILL, no teardown) THEN it exits too", async () => {
    // A stand-in for jest's main process: starts a server as the global setup does, prints its pid.
    const socket = path.join(tmp, "killed-parent.sock");
    const parent = spawn(
      process.execPath,
      [
        "-e",
        `const c = require("child_process").spawn(process.execPath, ["scripts/run-ts.js", "tests/helpers/write-plans.ts", ${JSON.stringify(tmp)}, "--serve", ${JSON.stringify(socket)}], { stdio: ["pipe", "pipe", "inherit"] });
         c.stdout.once("data", () => console.log(c.pid));
         setInterval(() => undefined, 1000);`,
      ],
      { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, [PLAN_SERVERS_ENV]: "" } },
    );
    parent.stdout?.setEncoding("utf8");
    const pid = Number(await new Promise<string>((resolve) => parent.stdout?.once("data", resolve)));
    expect(fs.existsSync(socket)).toBe(true);
    parent.kill("SIGKILL");
    // Exited: no such process, or a zombie its new parent has not reaped yet.
    const alive = () => {
      try {
        process.kill(pid, 0);
      } catch {
        return false;
      }
      const stat = fs.readFileSync(`/proc/${pid}/stat`, { encoding: "utf8", flag: "r" }).split(") ")[1];
      return stat !== undefined && !stat.startsWith("Z");
    };
    for (let i = 0; i < 100 && alive(); i++) await new Promise((r) => setTimeout(r, 50));
    expect(alive()).toBe(false);
    expect(fs.existsSync(socket)).toBe(false);
  });

  it("GIVEN a line that is not a request THEN it answers an error; SIGTERM stops it and removes its socket", async () => {
    const { child, socket } = await startServer("strict");
    const reply = await new Promise<string>((resolve, reject) => {
      const conn = net.createConnection(socket, () => conn.write("{not json\n"));
      conn.setEncoding("utf8");
      conn.once("data", (d: string) => {
        conn.end();
        resolve(d);
      });
      conn.once("error", reject);
    });
    expect(JSON.parse(reply)).toEqual({
      id: null,
      error: { name: "Error", message: "plan server: not JSON: {not json" },
    });
    const exit = exited(child);
    child.kill("SIGTERM");
    expect(await exit).toBe(0);
    expect(fs.existsSync(socket)).toBe(false);
  });
});
