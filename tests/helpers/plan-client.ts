import { createHash } from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import type { PlanServerAddress } from "./plan-files";
import {
  decodeExact,
  encodeExact,
  PlanAnswer,
  PlanMessage,
  RequestBody,
  requestKey,
  SerializedRun,
  ServerStatus,
} from "./plan-protocol";
import type { PlanFailure, PlanResult } from "../../scripts/offline/plan";

/**
 * A test worker's side of the plan servers (tests/helpers/plan-server.ts): one connection per
 * request, so nothing stays open between test files. A request goes to a server that has taken it
 * before (it keeps its answers: a variant two test files plan is planned once), else to the least
 * busy one, else to the one a stable hash of the request names. A worker picks for one request at a
 * time, each once the previous one is queued, so a burst of requests is spread over the servers.
 *
 * Never hangs: a server that crashed or was stopped closes the connection (or refuses it) and the
 * request fails naming the server and the end of its log; a server that started a request and
 * answers nothing for `stallMs` is taken as stuck.
 */

export interface AskOptions {
  /** How long a started request may go without an answer. */
  stallMs?: number;
  /** How long a request may wait for its turn (the server plans one request at a time). */
  queueMs?: number;
}

const STALL_MS = 100_000;
/** A server's status comes at once (it is answered outside the queue). */
const STATUS_MS = 2000;
const QUEUE_MS = 300_000;
const LOG_TAIL = 3000;

type Answer<R extends RequestBody> = R extends { op: "plan" | "planStack" }
  ? { plan: PlanResult | PlanFailure; report?: string }
  : { run: SerializedRun };

let nextId = 1;

/**
 * Which of n servers a request goes to: a stable hash of what it plans or runs. Not of whether it
 * wants the report: the plan and the report of one variant go to the same server, planned once.
 */
export function serverFor(request: RequestBody, n: number): number {
  const key = JSON.stringify(
    request.op === "planStack" ? [request.op, request.options] : [request.op, request.stack, request.change],
  );
  return createHash("sha256").update(key).digest().readUInt32BE(0) % n;
}

function logTail(server: PlanServerAddress): string {
  try {
    const text = fs.readFileSync(server.log, "utf8").trimEnd();
    if (!text) return `; its log ${path.relative(process.cwd(), server.log)} is empty`;
    return `; its log ${path.relative(process.cwd(), server.log)} ends:\n${text.slice(-LOG_TAIL)}`;
  } catch {
    return "";
  }
}

/** A server's status, or undefined when it does not answer at once (then it is not picked). */
export function serverStatus(
  server: PlanServerAddress,
  key: string | null,
): Promise<ServerStatus | undefined> {
  const id = nextId++;
  return new Promise((resolve) => {
    let buffer = "";
    const conn = net.createConnection(server.socket);
    const done = (s: ServerStatus | undefined) => {
      clearTimeout(timer);
      conn.destroy();
      resolve(s);
    };
    const timer = setTimeout(() => done(undefined), STATUS_MS);
    conn.setEncoding("utf8");
    conn.on("connect", () => conn.write(`${JSON.stringify({ id, op: "status", key })}\n`));
    conn.on("data", (chunk: string) => {
      buffer += chunk;
      const nl = buffer.indexOf("\n");
      if (nl < 0) return;
      try {
        const msg = JSON.parse(buffer.slice(0, nl)) as PlanMessage;
        done("status" in msg ? msg.status : undefined);
      } catch {
        done(undefined);
      }
    });
    conn.on("error", () => done(undefined));
    conn.on("close", () => done(undefined));
  });
}

/** The server for a request: one that has taken it, else the least busy, else the hash's. */
async function pick(servers: PlanServerAddress[], body: RequestBody): Promise<number> {
  const preferred = serverFor(body, servers.length);
  if (servers.length === 1) return preferred;
  const statuses = await Promise.all(servers.map((s) => serverStatus(s, requestKey(body))));
  const order = servers.map((_, i) => (preferred + i) % servers.length);
  const live = order.filter((i) => statuses[i] !== undefined);
  // None answers: the hash's, whose request then fails naming it.
  if (live.length === 0) return preferred;
  const has = live.find((i) => statuses[i]?.has);
  if (has !== undefined) return has;
  return live.reduce((best, i) => ((statuses[i]?.queued ?? 0) < (statuses[best]?.queued ?? 0) ? i : best));
}

/** This process's picks, one at a time: each waits until the previous request is queued. */
let picking: Promise<unknown> = Promise.resolve();

/** Sends one request to one of the servers and resolves to its answer; rejects with the error it threw. */
export function askPlanServer<R extends RequestBody>(
  servers: PlanServerAddress[],
  body: R,
  what: string,
  opts: AskOptions = {},
): Promise<Answer<R>> {
  const id = nextId++;
  let request: string;
  try {
    request = encodeExact({ id, ...body }, `${what}: the request`);
  } catch (e) {
    return Promise.reject(e);
  }
  let queued!: () => void;
  const reached = new Promise<void>((resolve) => (queued = resolve));
  const chosen = picking.then(() => pick(servers, body));
  picking = chosen
    .then(() => Promise.race([reached, new Promise((resolve) => setTimeout(resolve, STATUS_MS).unref())]))
    .catch(() => undefined);
  return chosen.then((i) => send<R>(servers[i], id, request, what, opts, queued));
}

function send<R extends RequestBody>(
  server: PlanServerAddress,
  id: number,
  request: string,
  what: string,
  opts: AskOptions,
  queued: () => void,
): Promise<Answer<R>> {
  const stallMs = opts.stallMs ?? STALL_MS;
  const queueMs = opts.queueMs ?? QUEUE_MS;
  return new Promise((resolve, reject) => {
    let settled = false;
    let connected = false;
    let buffer = "";
    let timer: NodeJS.Timeout | undefined;
    const conn = net.createConnection(server.socket);
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      queued();
      clearTimeout(timer);
      conn.destroy();
      reject(new Error(`${what}: plan server ${server.pid} (${server.socket}) ${why}${logTail(server)}`));
    };
    const arm = (ms: number, why: string) => {
      clearTimeout(timer);
      timer = setTimeout(() => fail(why), ms);
    };
    arm(queueMs, `did not start the request in ${queueMs / 1000} s`);
    conn.setEncoding("utf8");
    conn.on("connect", () => {
      connected = true;
      conn.write(`${request}\n`);
    });
    conn.on("data", (chunk: string) => {
      buffer += chunk;
      for (let nl = buffer.indexOf("\n"); nl >= 0 && !settled; nl = buffer.indexOf("\n")) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        let msg: PlanMessage;
        try {
          msg = decodeExact<PlanMessage>(line);
        } catch {
          fail(`sent a line that is not JSON: ${line.slice(0, 200)}`);
          return;
        }
        if (msg.id !== id && msg.id !== null) continue;
        queued();
        if ("queued" in msg || "status" in msg) continue;
        if ("started" in msg) {
          arm(
            stallMs,
            `started the request and answered nothing in ${stallMs / 1000} s: stuck, stopped waiting`,
          );
          continue;
        }
        settled = true;
        clearTimeout(timer);
        conn.end();
        const answer = msg as PlanAnswer;
        if ("error" in answer) {
          const err = new Error(answer.error.message);
          err.stack = `${answer.error.stack ?? `Error: ${answer.error.message}`}\n    (thrown in plan server ${server.pid}, ${what})`;
          reject(err);
        } else resolve(answer as unknown as Answer<R>);
      }
    });
    conn.on("error", (e) =>
      fail(
        connected
          ? `broke the connection (${e.message}) before answering: it crashed or was stopped`
          : `is not reachable (${e.message}): it crashed or was stopped, or the global setup that started it has ended`,
      ),
    );
    conn.on("close", () => fail("closed the connection before answering: it crashed or was stopped"));
  });
}
