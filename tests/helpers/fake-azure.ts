import * as http from "http";
import type { AddressInfo } from "net";

/**
 * A local fake of what `npm run validate` reads: Azure Resource Manager (/arm), Microsoft Graph
 * (/graph), the Entra login endpoint's OpenID configuration and keys (/login), the API (/api) and
 * the Static Web App (/web), on 127.0.0.1 at an ephemeral port. Answers are shaped like the real
 * APIs (ARM `value` + `nextLink` pages, Graph `$filter`, role assignments at/above/below a scope).
 * Tests set its state (tests/helpers/fake-estate.ts builds a good one) and break one thing at a
 * time. It records every request, so a test can show that validate only reads.
 */

type Json = Record<string, unknown>;

export interface FakeAssignment {
  principalId: string;
  roleDefinitionId: string;
  scope: string;
  condition?: string;
}

export interface FakeState {
  /** ARM: lower-cased path -> a resource (object) or a collection (array). */
  arm: Map<string, unknown>;
  assignments: FakeAssignment[];
  /** Graph collections by name (`applications`, `servicePrincipals`), filtered by `appId eq '...'`. */
  graph: Record<string, Json[]>;
  openid: Json;
  jwks: Json;
  /** Status to answer instead, by lower-cased path (any of the fakes). */
  status: Map<string, number>;
  api: {
    health: number;
    ready: number;
    /** Audiences the API accepts; a token for another is refused with 401. */
    audiences: string[];
    /** What every request without a token gets (401 when the API is right). */
    anonymous: number;
    /** `<role> <path>` -> status, instead of the role table's answer. */
    overrides: Map<string, number>;
  };
  /** The Static Web App: path -> status and Location. */
  web: Map<string, { status: number; location?: string }>;
}

/** The API's role table as the app implements it (written out here, not read from the code under test). */
const API_ROLES: Record<string, string[]> = {
  "/api/v1/chat/sessions": ["Admin", "Analyst", "Viewer"],
  "/api/v1/memory": ["Admin", "Analyst", "Viewer"],
  "/api/v1/agents": ["Admin", "Analyst", "PM", "Viewer"],
  "/api/v1/workflows": ["Admin", "PM", "Viewer"],
  "/api/v1/admin/users": ["Admin"],
};

const PAGE = 4;

export interface Fake {
  url: string;
  state: FakeState;
  requests: { method: string; path: string; authorized: boolean }[];
  close(): Promise<void>;
}

function send(
  res: http.ServerResponse,
  status: number,
  body?: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(body === undefined ? "" : JSON.stringify(body));
}

/** A collection, one page at a time (`nextLink` carries the offset, as ARM's skip tokens do). */
function page(base: string, url: URL, items: unknown[], graph = false): Json {
  const skip = Number(url.searchParams.get("$skiptoken") ?? 0);
  const next = new URL(url.toString());
  next.searchParams.set("$skiptoken", String(skip + PAGE));
  const more = skip + PAGE < items.length;
  return {
    value: items.slice(skip, skip + PAGE),
    ...(more ? { [graph ? "@odata.nextLink" : "nextLink"]: `${base}${next.pathname}${next.search}` } : {}),
  };
}

const within = (a: string, b: string) => a === b || a.startsWith(`${b}/`);

function arm(state: FakeState, base: string, url: URL, path: string): [number, unknown] {
  const lower = path.toLowerCase();
  const ra = "/providers/microsoft.authorization/roleassignments";
  if (lower.endsWith(ra)) {
    const scope = lower.slice(0, -ra.length);
    const principal = /principalId eq '([^']+)'/.exec(url.searchParams.get("$filter") ?? "")?.[1];
    const items = state.assignments
      .filter((a) => (principal ? a.principalId === principal : true))
      .filter((a) => within(a.scope.toLowerCase(), scope) || within(scope, a.scope.toLowerCase()))
      .map((a, i) => ({ id: `${a.scope}${ra}/ra-${i}`, name: `ra-${i}`, properties: { ...a } }));
    return [200, page(base, url, items)];
  }
  const found = state.arm.get(lower);
  if (found === undefined)
    return [404, { error: { code: "ResourceNotFound", message: `${path} not found` } }];
  return [200, Array.isArray(found) ? page(base, url, found) : found];
}

function graph(state: FakeState, base: string, url: URL, path: string): [number, unknown] {
  const collection = /^\/v1\.0\/(\w+)$/.exec(path)?.[1] ?? "";
  const appId = /appId eq '([^']+)'/.exec(url.searchParams.get("$filter") ?? "")?.[1];
  const items = (state.graph[collection] ?? []).filter((x) => appId === undefined || x.appId === appId);
  return [200, page(base, url, items, true)];
}

function claimsOf(auth: string | undefined): Json | undefined {
  const token = /^Bearer (.+)$/.exec(auth ?? "")?.[1];
  if (!token) return undefined;
  try {
    return JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString("utf8")) as Json;
  } catch {
    return {};
  }
}

function api(state: FakeState, path: string, auth: string | undefined): number {
  if (path === "/health") return state.api.health;
  const claims = claimsOf(auth);
  if (!claims) return state.api.anonymous;
  if (!state.api.audiences.includes(String(claims.aud))) return 401;
  if (path === "/ready") return state.api.ready;
  if (path === "/api/v1/mcp") return 200;
  const roles = Array.isArray(claims.roles) ? (claims.roles as string[]) : [];
  const override = roles.map((r) => state.api.overrides.get(`${r} ${path}`)).find((s) => s !== undefined);
  if (override !== undefined) return override;
  const allowed = API_ROLES[path];
  if (!allowed) return 404;
  return roles.some((r) => allowed.includes(r)) ? 200 : 403;
}

export async function startFake(state: FakeState): Promise<Fake> {
  const requests: Fake["requests"] = [];
  const fake = { state, requests } as Fake;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", fake.url);
    const [, area, ...rest] = url.pathname.split("/");
    const path = `/${rest.join("/")}`;
    const auth = req.headers.authorization;
    requests.push({ method: req.method ?? "", path: url.pathname, authorized: auth !== undefined });
    const forced = fake.state.status.get(url.pathname.toLowerCase());
    if (forced !== undefined) return send(res, forced, { error: { code: `Status${forced}` } });
    if ((area === "arm" || area === "graph") && !auth)
      return send(res, 401, { error: { code: "AuthenticationFailed" } });
    if (area === "arm") return send(res, ...arm(fake.state, fake.url, url, path));
    if (area === "graph") return send(res, ...graph(fake.state, fake.url, url, path));
    if (area === "login" && path.endsWith("/.well-known/openid-configuration"))
      return send(res, 200, fake.state.openid);
    if (area === "login" && path.endsWith("/discovery/v2.0/keys")) return send(res, 200, fake.state.jwks);
    if (area === "api") return send(res, api(fake.state, path, auth), { path });
    if (area === "web") {
      const w = fake.state.web.get(path) ?? { status: 404 };
      return send(res, w.status, undefined, w.location ? { location: w.location } : {});
    }
    send(res, 404, { error: "no such fake" });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return fake;
}
