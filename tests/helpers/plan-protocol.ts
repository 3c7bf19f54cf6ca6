import { isDeepStrictEqual } from "util";
import type { PlanFailure, PlanOptions, PlanResult } from "../../scripts/offline/plan";
import type { ConfigChange, PlanChange } from "./plan";

/**
 * What a test worker and a plan server (tests/helpers/plan-server.ts) say to each other over the
 * server's Unix domain socket: one JSON object a line each way. A worker sends a request; the server
 * answers `started` when it begins the request (requests wait their turn: one program run at a time)
 * and then the answer, or the error the request threw.
 */

export type PlanRequest =
  /** planStack on the committed stack with the change (tests/helpers/plan.ts planInProcess). */
  | { id: number; op: "plan"; stack: string; change: PlanChange; report?: boolean }
  /** The program run alone, what it registered and threw (tests/helpers/plan.ts programRunInProcess). */
  | { id: number; op: "run"; stack: string; change: ConfigChange }
  /** planStack with these options, run afresh (no kept answer), and its report (tests/helpers/plan.ts planAfresh). */
  | { id: number; op: "planStack"; options: FreshPlanOptions };

/** A request without its id (each kind of request on its own). */
export type RequestBody<R = PlanRequest> = R extends PlanRequest ? Omit<R, "id"> : never;

/** planStack's options but `isolate` (a plan server runs every plan in a state of its own). */
export type FreshPlanOptions = Omit<PlanOptions, "isolate">;

export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  /** A ConfigError's problems. */
  problems?: string[];
  /** The error is the program's ConfigError (src/config.ts). */
  configError?: boolean;
}

export interface SerializedRun {
  resources: { type: string; urn: string }[];
  error?: SerializedError;
}

export type PlanAnswer =
  | { id: number; plan: PlanResult | PlanFailure; report?: string }
  | { id: number; run: SerializedRun }
  | { id: number | null; error: SerializedError };

/**
 * Asked before a request, of every server: how many requests it has queued or running, and whether
 * it has taken the request with this `requestKey` before (it then answers it without planning).
 */
export interface StatusRequest {
  id: number;
  op: "status";
  key: string | null;
}

export interface ServerStatus {
  queued: number;
  has: boolean;
  /** Where and under what the server plans (the real servers send it; tests/determinism.test.ts reads it). */
  conditions?: ServerConditions;
}

/** A plan server's working directory, collation, and time zone. */
export interface ServerConditions {
  cwd: string;
  /** "t", "z", "s" sorted with localeCompare: "stz" under most collations, "szt" under Estonian. */
  collation: string;
  timeZone: string;
}

export type PlanMessage =
  /** The request reached the server and is queued. */
  | { id: number; queued: true }
  | { id: number; started: true }
  | { id: number; status: ServerStatus }
  | PlanAnswer;

/** What a request plans or runs, the same whether it asks for the report (null: run afresh every time). */
export function requestKey(req: RequestBody | PlanRequest): string | null {
  return req.op === "planStack" ? null : JSON.stringify([req.op, req.stack, req.change]);
}

export function serializeError(e: unknown): SerializedError {
  if (!(e instanceof Error)) return { name: "Error", message: String(e) };
  const problems = (e as { problems?: unknown }).problems;
  return {
    name: e.name,
    message: e.message,
    stack: e.stack,
    ...(Array.isArray(problems) ? { problems: problems.map(String) } : {}),
  };
}

/**
 * JSON drops a property whose value is undefined (a plan's config has some, e.g. `registry` when the
 * stack sets none) and turns an undefined list item into null; this text stands for undefined
 * instead, in place, so the reader gets the same keys in the same order.
 */
const UNDEFINED = "\u0000engram:undefined\u0000";

/**
 * `value` as JSON that `decodeExact` turns back into a deeply strictly equal value (undefined
 * included); throws, naming where, for what JSON cannot carry (a class instance, a Map, NaN, ...):
 * what a plan server answers must be exactly what planStack returned in the test file.
 */
export function encodeExact(value: unknown, what: string): string {
  const json = JSON.stringify(value, (k, v: unknown) => (v === undefined && k !== "" ? UNDEFINED : v));
  const where = jsonDifference(value, json);
  if (where !== undefined)
    throw new Error(`${what} does not survive JSON at ${where} (a class instance, a Map, NaN, ...)`);
  return json;
}

export function decodeExact<T>(json: string): T {
  return restore(JSON.parse(json)) as T;
}

function restore(value: unknown): unknown {
  if (value === UNDEFINED) return undefined;
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = restore(value[i]);
    return value;
  }
  const obj = value as Record<string, unknown>;
  for (const k of Object.keys(obj)) obj[k] = restore(obj[k]);
  return obj;
}

/** Where `value` and what `decodeExact` makes of its JSON first differ, or undefined when nowhere. */
export function jsonDifference(value: unknown, json?: string): string | undefined {
  if (value === undefined) return undefined;
  const text =
    json ?? JSON.stringify(value, (k, v: unknown) => (v === undefined && k !== "" ? UNDEFINED : v));
  const back = decodeExact(text);
  return isDeepStrictEqual(back, value) ? undefined : firstDifference(value, back, "$");
}

function firstDifference(a: unknown, b: unknown, at: string): string {
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return at;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return `${at} (a ${a.constructor?.name})`;
  const ka = Object.keys(a);
  const kb = new Set(Object.keys(b));
  for (const k of ka) {
    if (!kb.has(k)) return `${at}.${k}`;
    const x = (a as Record<string, unknown>)[k];
    const y = (b as Record<string, unknown>)[k];
    if (!isDeepStrictEqual(x, y)) return firstDifference(x, y, `${at}.${k}`);
  }
  return at;
}
