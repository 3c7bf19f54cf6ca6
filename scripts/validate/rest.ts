import { escapeText } from "../../lib/text";

/**
 * Read-only REST clients for Azure Resource Manager and Microsoft Graph: GET with a bearer token
 * from a TokenSource, `nextLink` pages followed, never a write. Every endpoint can be moved (tests
 * point them at a local fake; sovereign clouds have their own), and the token source is injected.
 */

/** Gives a bearer token for a scope (`https://management.azure.com/.default`, ...). */
export interface TokenSource {
  token(scope: string): Promise<string>;
}

/** An answer that is not 2xx; 401/403 mean the signed-in identity may not read it (a SKIP, not a FAIL). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly what: string,
  ) {
    super(`${what}: HTTP ${status}`);
  }
  get forbidden(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

/** A host that cannot be reached at all (DNS, refused, timeout). */
export class UnreachableError extends Error {}

export const ENDPOINTS = {
  arm: { env: "ENGRAM_VALIDATE_ARM_ENDPOINT", url: "https://management.azure.com" },
  graph: { env: "ENGRAM_VALIDATE_GRAPH_ENDPOINT", url: "https://graph.microsoft.com" },
  login: { env: "ENGRAM_VALIDATE_LOGIN_ENDPOINT", url: "https://login.microsoftonline.com" },
} as const;

/** The endpoint's base URL: its environment variable, else the public cloud's. */
export function endpoint(name: keyof typeof ENDPOINTS, env: NodeJS.ProcessEnv = process.env): string {
  return (env[ENDPOINTS[name].env] || ENDPOINTS[name].url).replace(/\/+$/, "");
}

/** Seconds a request may take before it counts as unreachable. */
const TIMEOUT_MS = 20_000;

/** fetch, with a timeout, and a network failure as one readable line. */
export async function get(
  url: string,
  headers: Record<string, string> = {},
  redirect: "follow" | "manual" = "follow",
): Promise<Response> {
  try {
    return await fetch(url, { headers, redirect, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
    throw new UnreachableError(`cannot reach ${escapeText(new URL(url).origin)}: ${escapeText(why)}`);
  }
}

export type Json = Record<string, unknown>;
/** A value as an object (anything else: empty), for reading ARM and Graph answers. */
export const obj = (v: unknown): Json => (v !== null && typeof v === "object" ? (v as Json) : {});
/** A value as an array (anything else: empty). */
export const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

export class Rest {
  constructor(
    readonly base: string,
    private readonly scope: string,
    private readonly tokens: TokenSource,
  ) {}

  private async read(url: string, what: string): Promise<Json> {
    // A nextLink is followed only on the same origin: the token is never sent anywhere else.
    if (new URL(url).origin !== new URL(this.base).origin)
      throw new Error(`${what}: the answer points to another host (${escapeText(new URL(url).origin)})`);
    const res = await get(url, { authorization: `Bearer ${await this.tokens.token(this.scope)}` });
    if (!res.ok) {
      await res.body?.cancel();
      throw new HttpError(res.status, what);
    }
    return (await res.json()) as Json;
  }

  /** GET `<base><path>` (the path carries its own query, api-version included). */
  getJson(path: string): Promise<Json> {
    return this.read(`${this.base}${path}`, `GET ${escapeText(path.split("?")[0])}`);
  }

  /** GET a collection, every page (`value` + `nextLink` for ARM, `@odata.nextLink` for Graph). */
  async list(path: string): Promise<Json[]> {
    const out: Json[] = [];
    let url: string | undefined = `${this.base}${path}`;
    while (url) {
      const page = await this.read(url, `GET ${escapeText(path.split("?")[0])}`);
      out.push(...((page.value as Json[] | undefined) ?? []));
      url = (page.nextLink ?? page["@odata.nextLink"]) as string | undefined;
    }
    return out;
  }
}

export const ARM_SCOPE = "https://management.azure.com/.default";
export const GRAPH_SCOPE = "https://graph.microsoft.com/.default";

/** Clients for one run: ARM and Graph at their endpoints, with the token source given. */
export function clients(
  tokens: TokenSource,
  env: NodeJS.ProcessEnv = process.env,
): { arm: Rest; graph: Rest } {
  return {
    arm: new Rest(endpoint("arm", env), ARM_SCOPE, tokens),
    graph: new Rest(endpoint("graph", env), GRAPH_SCOPE, tokens),
  };
}
