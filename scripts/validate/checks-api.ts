import { escapeText } from "../../lib/text";
import { ARM_SCOPE, get } from "./rest";
import {
  APP_ROLES,
  HEALTH_PATH,
  MCP_PATH,
  PROTECTED_PATH,
  READY_PATH,
  ROLE_ROUTES,
  roleTokenVar,
} from "./routes";
import { Check, Context, fail, once, Outcome, pass, skip, verdict } from "./types";

/**
 * The API and its MCP endpoint, called over HTTPS as a client would (SOP 000 checklist "API" and
 * "MCP"; SOP 001). Only GET requests; an event stream is closed as soon as its headers arrive.
 */

/** The status of GET <api><path>, with a bearer token or without. */
export async function statusOf(ctx: Context, path: string, token?: string): Promise<number> {
  const headers: Record<string, string> = { accept: "application/json, text/event-stream" };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await get(`${ctx.apiUrl}${path}`, headers, "manual");
  await res.body?.cancel();
  return res.status;
}

/** A token the API should accept: one given, a test principal's, or one the credential can get. */
export function apiToken(ctx: Context): Promise<{ token?: string; from: string }> {
  return once(ctx, "api-token", async () => {
    if (ctx.apiToken) return { token: ctx.apiToken, from: "ENGRAM_VALIDATE_API_TOKEN" };
    const role = APP_ROLES.find((r) => ctx.roleTokens[r]);
    if (role) return { token: ctx.roleTokens[role], from: `the ${role} test principal` };
    try {
      return {
        token: await ctx.tokens.token(`${ctx.outputs.apiAudience}/.default`),
        from: "the signed-in identity",
      };
    } catch (err) {
      const why = escapeText((err instanceof Error ? err.message : String(err)).split("\n")[0]);
      return { from: `no token for ${escapeText(ctx.outputs.apiAudience)} could be obtained (${why})` };
    }
  });
}

const NO_TOKEN = "set ENGRAM_VALIDATE_API_TOKEN or a test principal's ENGRAM_VALIDATE_TOKEN_<ROLE>";

/** GET <path> with the API token, judged by `judge` (ok, reason); SKIP when there is no token. */
async function withToken(
  ctx: Context,
  path: string,
  judge: (status: number, from: string) => [boolean, string],
): Promise<Outcome> {
  const t = await apiToken(ctx);
  if (!t.token) return skip(`${t.from}; ${NO_TOKEN}`);
  const status = await statusOf(ctx, path, t.token);
  const [ok, reason] = judge(status, t.from);
  const ev = [`GET ${path} with a token of ${t.from}: ${status}`];
  return ok ? pass(reason, ev) : fail(reason, ev);
}

/** Each path must refuse (401) a request with this token, or with none. */
async function refuses(
  ctx: Context,
  paths: string[],
  token: string | undefined,
  what: string,
): Promise<Outcome> {
  const problems: string[] = [];
  const evidence: string[] = [];
  for (const p of paths) {
    const status = await statusOf(ctx, p, token);
    evidence.push(`GET ${p} ${what}: ${status}`);
    if (status !== 401) problems.push(`${p} answered ${status} ${what}, expected 401`);
  }
  return verdict(
    problems,
    `${paths.join(" and ")} ${paths.length > 1 ? "refuse" : "refuses"} a request ${what} (401)`,
    evidence,
  );
}

async function roleRoutes(ctx: Context): Promise<Outcome> {
  const roles = APP_ROLES.filter((r) => ctx.roleTokens[r]);
  if (roles.length === 0)
    return skip(
      `no test principals configured (${APP_ROLES.map(roleTokenVar).join(", ")}): role-based access not tested`,
    );
  const problems: string[] = [];
  const evidence: string[] = [];
  for (const role of roles)
    for (const r of ROLE_ROUTES) {
      const status = await statusOf(ctx, r.path, ctx.roleTokens[role]);
      const allowed = r.allowed.includes(role);
      evidence.push(`${role} GET ${r.path}: ${status} (${allowed ? "allowed" : "denied"} by SOP 000)`);
      if (allowed && (status < 200 || status > 299))
        problems.push(`${role} got ${status} on ${r.path} (${r.area}), which SOP 000 allows it`);
      if (!allowed && status !== 403)
        problems.push(
          `${role} got ${status} on ${r.path} (${r.area}), expected 403: SOP 000 does not allow it`,
        );
    }
  const untested = APP_ROLES.filter((r) => !ctx.roleTokens[r]);
  const note = untested.length ? `; no test principal for ${untested.join(", ")}, not tested` : "";
  return verdict(problems, `${roles.join(", ")}: every route answers as SOP 000 allows${note}`, evidence);
}

export const API_CHECKS: Check[] = [
  {
    id: "api.health",
    sop: 'SOP 000 checklist "API: /health,/ready"; SOP 001 "keep /health unauthenticated"',
    title: "/health answers 200 without a token",
    async run(ctx) {
      const status = await statusOf(ctx, HEALTH_PATH);
      return status === 200
        ? pass(`${HEALTH_PATH} answers 200 without a token`, [`GET ${HEALTH_PATH}: 200`])
        : fail(`${HEALTH_PATH} answered ${status} without a token, expected 200`, [
            `GET ${HEALTH_PATH}: ${status}`,
          ]);
    },
  },
  {
    id: "api.ready",
    sop: 'SOP 000 checklist "API: /health,/ready with valid bearer token"',
    title: "/ready answers 200 with a valid bearer token",
    run: (ctx) =>
      withToken(ctx, READY_PATH, (status, from) =>
        status === 200
          ? [true, `${READY_PATH} answers 200 with a token of ${from}`]
          : [false, `${READY_PATH} answered ${status} with a token of ${from}, expected 200`],
      ),
  },
  {
    id: "api.anonymous",
    sop: 'SOP 000 checklist "API: ... role-based access tests"; matrix "API protected by Entra"',
    title: "the API refuses a request without a token (401)",
    run: (ctx) => refuses(ctx, [PROTECTED_PATH], undefined, "without a token"),
  },
  {
    id: "mcp.anonymous",
    sop: 'SOP 000 checklist "MCP: SSE endpoint accepts Entra token; rejects anonymous"',
    title: "the MCP endpoint refuses a request without a token (401)",
    run: (ctx) => refuses(ctx, [MCP_PATH], undefined, "without a token"),
  },
  {
    id: "api.audience",
    sop: 'SOP 000 "Validation: per release: token validation (aud/iss)"',
    title: "the API and the MCP endpoint refuse a token for another audience (401)",
    async run(ctx) {
      const other = await ctx.tokens.token(ARM_SCOPE);
      return refuses(
        ctx,
        [PROTECTED_PATH, MCP_PATH],
        other,
        "with a token for another audience (Azure Resource Manager)",
      );
    },
  },
  {
    id: "mcp.token",
    sop: 'SOP 000 checklist "MCP: SSE endpoint accepts Entra token"',
    title: "the MCP endpoint accepts a valid Entra token",
    run: (ctx) =>
      withToken(ctx, MCP_PATH, (status, from) =>
        status === 401 || status === 403 || status >= 500
          ? [false, `${MCP_PATH} answered ${status} to a token of ${from}, expected it to accept the token`]
          : [true, `${MCP_PATH} accepts a token of ${from} (${status})`],
      ),
  },
  {
    id: "api.roles",
    sop: 'SOP 000 checklist "API: role-based access tests"; "App roles: Admin (full), Analyst (chat/memory/agents), PM (workflows/agents), Viewer (read)"',
    title: "each app role's test principal reaches exactly the routes its role allows (403 elsewhere)",
    run: roleRoutes,
  },
];
