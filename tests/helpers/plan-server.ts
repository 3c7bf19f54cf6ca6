import * as fs from "fs";
import * as net from "net";
import type { PlanFailure, PlanResult } from "../../scripts/offline/plan";
import { planInProcess, programRunInProcess } from "./plan";
import {
  decodeExact,
  encodeExact,
  PlanMessage,
  PlanRequest,
  SerializedError,
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
let queue: Promise<unknown> = Promise.resolve();

/** Runs `work` after every job queued before it. */
function enqueue(work: () => Promise<string>): Job {
  let start!: () => void;
  const started = new Promise<void>((resolve) => (start = resolve));
  const done = queue.then(() => {
    start();
    return work();
  });
  queue = done.catch(() => undefined);
  return { started, done };
}

async function runJson(stack: string, change: PlanRequest["change"]): Promise<string> {
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

function job(req: PlanRequest): Job {
  const key = JSON.stringify([req.op, req.stack, req.change, req.op === "plan" && req.report === true]);
  let j = jobs.get(key);
  if (j) return j;
  const planKey = JSON.stringify([req.stack, req.change]);
  const what = `${req.op} ${planKey}`;
  if (req.op === "run") j = enqueue(() => runJson(req.stack, req.change));
  else {
    const withReport = req.report === true;
    const work = async () => {
      let p = plans.get(planKey);
      if (!p) {
        p = planInProcess(req.stack, req.change);
        plans.set(planKey, p);
      }
      const result = await p;
      // Refused when JSON would not carry it exactly: the worker gets what planStack returned.
      const json = encodeExact(result, `${what}: the plan`);
      if (!withReport || !result.ok) return `{"plan":${json}}`;
      let r = reports.get(planKey);
      if (!r) {
        r = import("../../scripts/offline/report").then(({ renderReport }) => renderReport(result));
        reports.set(planKey, r);
      }
      return `{"plan":${json},"report":${JSON.stringify(await r)}}`;
    };
    j = enqueue(work);
  }
  jobs.set(key, j);
  return j;
}

function parse(line: string): PlanRequest | string {
  let req: unknown;
  try {
    req = decodeExact(line);
  } catch {
    return `not JSON: ${line.slice(0, 200)}`;
  }
  const r = req as Partial<PlanRequest>;
  if (
    typeof r !== "object" ||
    r === null ||
    typeof r.id !== "number" ||
    (r.op !== "plan" && r.op !== "run") ||
    typeof r.stack !== "string" ||
    typeof r.change !== "object" ||
    r.change === null
  )
    return `not a plan request ({id, op: "plan" | "run", stack, change}): ${line.slice(0, 200)}`;
  return r as PlanRequest;
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
  const j = job(req);
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
