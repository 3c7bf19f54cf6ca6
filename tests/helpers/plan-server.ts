import * as fs from "fs";
import * as net from "net";
import type { PlanFailure, PlanResult } from "../../scripts/offline/plan";
import { ConfigChange, planInProcess, programRunInProcess } from "./plan";
import {
  decodeExact,
  encodeExact,
  PlanMessage,
  PlanRequest,
  requestKey,
  SerializedError,
  ServerStatus,
  StatusRequest,
  SerializedRun,
  serializeError,
} from "./plan-protocol";

/**
 * A plan server: one of the global setup's planning processes (tests/helpers/write-plans.ts
 * --serve), kept alive for the whole jest run, plans the variants the test files ask for
 * (tests/helpers/plan.ts), so no test file loads the Pulumi SDK and the program just to plan one.
 * It runs exactly what a test file would run itself (planInProcess, programRunInProcess), one
 * request at a time (a program run owns the process's Pulumi runtime state), and keeps every answer
 * for the run: a variant two test files ask for is planned once. Protocol: ./plan-protocol.ts.
 */

interface Job {
  started: Promise<void>;
  /** The answer without its id, as JSON text (a plan is large: serialized once). */
  done: Promise<string>;
}

const jobs = new Map<string, Job>();
/** The requestKey of every request taken (./plan-protocol.ts), for the status. */
const taken = new Set<string>();
let queue: Promise<unknown> = Promise.resolve();
/** Jobs queued or running. */
let pending = 0;

/** Runs `work` after every job queued before it. */
function enqueue(work: () => Promise<string>): Job {
  let start!: () => void;
  const started = new Promise<void>((resolve) => (start = resolve));
  pending++;
  const done = queue.then(() => {
    start();
    return work();
  });
  queue = done.catch(() => undefined).then(() => pending--);
  return { started, done };
}

async function runJson(stack: string, change: ConfigChange): Promise<string> {
  const run = await programRunInProcess(stack, change);
  let error: SerializedError | undefined;
  if (run.error !== undefined) {
    const { ConfigError } = await import("../../src/config");
    error = {
      ...serializeError(run.error),
      ...(run.error instanceof ConfigError ? { configError: true } : {}),
    };
  }
  const answer: SerializedRun = { resources: run.resources, ...(error ? { error } : {}) };
  return encodeExact({ run: answer }, "the run");
}

const plans = new Map<string, Promise<PlanResult | PlanFailure>>();
const reports = new Map<string, Promise<string>>();

/** The plan and, when asked and it succeeded, its report, as the answer's JSON. */
async function planAnswer(
  result: PlanResult | PlanFailure,
  what: string,
  report: (r: PlanResult) => Promise<string>,
  withReport: boolean,
): Promise<string> {
  // Refused when JSON would not carry it exactly: the worker gets what planStack returned.
  const json = encodeExact(result, `${what}: the plan`);
  if (!withReport || !result.ok) return `{"plan":${json}}`;
  return `{"plan":${json},"report":${JSON.stringify(await report(result))}}`;
}

const render = (r: PlanResult) =>
  import("../../scripts/offline/report").then(({ renderReport }) => renderReport(r));

/** What a request asks, for the log and for the answers kept (undefined: never kept, run afresh). */
function describe(req: PlanRequest): { what: string; key?: string } {
  if (req.op === "planStack") return { what: `planStack ${JSON.stringify(req.options)} afresh` };
  const what = `${req.op} ${JSON.stringify([req.stack, req.change])}${req.op === "plan" && req.report ? " +report" : ""}`;
  return { what, key: what };
}

function job(req: PlanRequest): Job {
  const { what, key } = describe(req);
  let j = key === undefined ? undefined : jobs.get(key);
  if (j) return j;
  const taking = requestKey(req);
  if (taking !== null) taken.add(taking);
  if (req.op === "run") j = enqueue(() => runJson(req.stack, req.change));
  else if (req.op === "planStack")
    j = enqueue(async () => {
      const { planStack } = await import("../../scripts/offline/plan");
      return planAnswer(await planStack(req.options), what, render, true);
    });
  else {
    const planKey = JSON.stringify([req.stack, req.change]);
    j = enqueue(async () => {
      let p = plans.get(planKey);
      if (!p) {
        p = planInProcess(req.stack, req.change);
        plans.set(planKey, p);
      }
      const report = (r: PlanResult) => {
        let text = reports.get(planKey);
        if (!text) {
          text = render(r);
          reports.set(planKey, text);
        }
        return text;
      };
      return planAnswer(await p, what, report, req.report === true);
    });
  }
  if (key !== undefined) jobs.set(key, j);
  return j;
}

function parse(line: string): PlanRequest | StatusRequest | string {
  let req: unknown;
  try {
    req = decodeExact(line);
  } catch {
    return `not JSON: ${line.slice(0, 200)}`;
  }
  const r = req as Record<string, unknown> | null;
  const isObject = (v: unknown) => typeof v === "object" && v !== null;
  const ok =
    isObject(r) &&
    typeof r?.id === "number" &&
    ((r.op === "status" && (typeof r.key === "string" || r.key === null)) ||
      ((r.op === "plan" || r.op === "run") && typeof r.stack === "string" && isObject(r.change)) ||
      (r.op === "planStack" &&
        isObject(r.options) &&
        typeof (r.options as Record<string, unknown>).stack === "string" &&
        !("isolate" in (r.options as object))));
  if (!ok)
    return `not a plan request ({id, op: "plan" | "run", stack, change} or {id, op: "planStack", options} without isolate): ${line.slice(0, 200)}`;
  return req as PlanRequest | StatusRequest;
}

function send(conn: net.Socket, text: string): void {
  if (!conn.destroyed && conn.writable) conn.write(`${text}\n`);
}

function handle(conn: net.Socket, line: string): void {
  const req = parse(line);
  if (typeof req === "string") {
    send(conn, JSON.stringify({ id: null, error: { name: "Error", message: `plan server: ${req}` } }));
    return;
  }
  const id = req.id;
  if (req.op === "status") {
    const status: ServerStatus = {
      queued: pending,
      has: req.key !== null && taken.has(req.key),
      conditions: {
        cwd: process.cwd(),
        // The machine's collation, on purpose: what this server's plans were made under.
        // eslint-disable-next-line no-restricted-properties
        collation: ["t", "z", "s"].sort((a, b) => a.localeCompare(b)).join(""),
        timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
      },
    };
    send(conn, JSON.stringify({ id, status } satisfies PlanMessage));
    return;
  }
  send(conn, JSON.stringify({ id, queued: true } satisfies PlanMessage));
  const { what, key } = describe(req);
  const kept = key !== undefined && jobs.has(key);
  const j = job(req);
  // One line a request in the server's log (build/plans/run-*/plan-server-N.log): what a slow run spent.
  const asked = Date.now();
  let began = asked;
  void j.started.then(() => (began = Date.now()));
  void j.done
    .catch(() => undefined)
    .then(() =>
      process.stderr.write(
        `${new Date().toISOString()} ${what}: ${kept ? "answered before" : `waited ${began - asked} ms, ran ${Date.now() - began} ms`}\n`,
      ),
    );
  void j.started.then(() => send(conn, JSON.stringify({ id, started: true } satisfies PlanMessage)));
  j.done.then(
    (json) => send(conn, `{"id":${id},${json.slice(1)}`),
    (e: unknown) => send(conn, encodeExact({ id, error: serializeError(e) }, "the error")),
  );
}

/** Listens on `socket` (a stale file there is removed first); resolves once it listens. */
export function serve(socket: string): Promise<net.Server> {
  fs.rmSync(socket, { force: true });
  const server = net.createServer((conn) => {
    let buffer = "";
    conn.setEncoding("utf8");
    conn.on("data", (chunk: string) => {
      buffer += chunk;
      for (let nl = buffer.indexOf("\n"); nl >= 0; nl = buffer.indexOf("\n")) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.trim()) handle(conn, line);
      }
    });
    // A worker that went away (its test file ended): the answer is kept for the next asker.
    conn.on("error", () => undefined);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(socket, () => {
      server.off("error", reject);
      resolve(server);
    });
  });
}
