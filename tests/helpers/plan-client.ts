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
  PlanRequest,
  SerializedRun,
} from "./plan-protocol";
import type { PlanFailure, PlanResult } from "../../scripts/offline/plan";

/**
 * A test worker's side of the plan servers (tests/helpers/plan-server.ts): one connection per
 * request, so nothing stays open between test files. A request goes to the server a stable hash of
 * it names, so a variant that two test files plan is planned once (the server keeps its answers).
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
const QUEUE_MS = 300_000;
const LOG_TAIL = 3000;

type Body<R> = R extends PlanRequest ? Omit<R, "id"> : never;
type Answer<R extends Body<PlanRequest>> = R extends { op: "plan" }
  ? { plan: PlanResult | PlanFailure; report?: string }
  : { run: SerializedRun };

let nextId = 1;

/** Which of n servers a request goes to: a stable hash of the request. */
export function serverFor(request: unknown, n: number): number {
  return createHash("sha256").update(JSON.stringify(request)).digest().readUInt32BE(0) % n;
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

/** Sends one request to one of the servers and resolves to its answer; rejects with the error it threw. */
export function askPlanServer<R extends Body<PlanRequest>>(
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
  const server = servers[serverFor(body, servers.length)];
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
