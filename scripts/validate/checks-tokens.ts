import { escapeText } from "../../lib/text";
import { apiToken } from "./checks-api";
import { get, HttpError, Json, list, obj } from "./rest";
import { Check, Context, fail, once, Outcome, skip, verdict } from "./types";

/**
 * Tokens and the API's app registration (SOP 000 "Token & Audience": "Audience/App ID URI per env:
 * api://engram-<env>. Issuer: tenant-specific https://login.microsoftonline.com/<tenant>/v2.0.
 * Scopes: user_impersonation + app roles"). A token is verified with jose (a maintained JOSE
 * library) against the keys the tenant publishes; nothing here does its own cryptography.
 */

const q = (v: unknown) => escapeText(JSON.stringify(v) ?? "undefined");

/** The issuer the program configures the API for (src/layers/entra.ts): the tenant's v2 endpoint. */
export const expectedIssuer = (tenantId: string): string =>
  `https://login.microsoftonline.com/${tenantId}/v2.0`;

/** The tenant's OpenID Connect discovery document (v2), read once. */
function openIdConfig(ctx: Context): Promise<Json> {
  return once(ctx, "openid", async () => {
    const url = `${ctx.loginUrl}/${encodeURIComponent(ctx.outputs.tenantId)}/v2.0/.well-known/openid-configuration`;
    const res = await get(url);
    if (!res.ok) {
      await res.body?.cancel();
      throw new HttpError(res.status, "GET the tenant's OpenID configuration");
    }
    return (await res.json()) as Json;
  });
}

async function openIdCheck(ctx: Context): Promise<Outcome> {
  const want = expectedIssuer(ctx.outputs.tenantId);
  const doc = await openIdConfig(ctx);
  const problems: string[] = [];
  if (ctx.outputs.apiIssuer !== want)
    problems.push(`the stack's apiIssuer is ${q(ctx.outputs.apiIssuer)}, expected ${q(want)}`);
  if (doc.issuer !== want)
    problems.push(`the tenant's OpenID configuration gives the issuer ${q(doc.issuer)}, expected ${q(want)}`);
  return verdict(problems, `the tenant's v2 issuer is ${want}, as the API expects`, [
    `openid-configuration issuer: ${escapeText(String(doc.issuer))}`,
    `openid-configuration jwks_uri: ${escapeText(String(doc.jwks_uri))}`,
    `stack output apiIssuer: ${escapeText(ctx.outputs.apiIssuer)}`,
  ]);
}

async function registrationCheck(ctx: Context): Promise<Outcome> {
  const o = ctx.outputs;
  const want = `api://engram-${o.environment}`;
  const filter = encodeURIComponent(`appId eq '${o.apiClientId.replace(/'/g, "''")}'`);
  const select = "displayName,appId,identifierUris,signInAudience,api,passwordCredentials,keyCredentials";
  const apps = await ctx.graph.list(`/v1.0/applications?$filter=${filter}&$select=${select}`);
  if (apps.length !== 1)
    return fail(
      `Microsoft Graph has ${apps.length} applications with appId ${escapeText(o.apiClientId)}, expected 1`,
    );
  const app = apps[0];
  const api = obj(app.api);
  const scopes = list(api.oauth2PermissionScopes).map(obj);
  const problems: string[] = [];
  if (o.apiAudience !== want)
    problems.push(`the stack's apiAudience is ${q(o.apiAudience)}, expected ${q(want)}`);
  if (JSON.stringify(app.identifierUris) !== JSON.stringify([want]))
    problems.push(`identifierUris are ${q(app.identifierUris)}, expected ${q([want])}`);
  if (api.requestedAccessTokenVersion !== 2)
    problems.push(
      `requestedAccessTokenVersion is ${q(api.requestedAccessTokenVersion)}, expected 2 (v2 tokens)`,
    );
  if (!scopes.some((s) => s.value === "user_impersonation" && s.isEnabled === true))
    problems.push("no enabled user_impersonation scope");
  if (app.signInAudience !== "AzureADMyOrg")
    problems.push(`signInAudience is ${q(app.signInAudience)}, expected "AzureADMyOrg"`);
  for (const kind of ["passwordCredentials", "keyCredentials"])
    if (list(app[kind]).length)
      problems.push(
        `it holds ${list(app[kind]).length} ${kind} (client secrets or certificates); it must hold none`,
      );
  return verdict(
    problems,
    `${escapeText(String(app.displayName))}: ${want}, v2 tokens, user_impersonation, no client secret or certificate`,
    [
      `application ${escapeText(String(app.displayName))} appId ${escapeText(String(app.appId))}`,
      `identifierUris ${q(app.identifierUris)}, requestedAccessTokenVersion ${q(api.requestedAccessTokenVersion)}`,
      `scopes ${q(scopes.map((s) => s.value))}, passwordCredentials ${list(app.passwordCredentials).length}, keyCredentials ${list(app.keyCredentials).length}`,
    ],
  );
}

async function jwtCheck(ctx: Context): Promise<Outcome> {
  const t = await apiToken(ctx);
  if (!t.token) return skip(`${t.from}: token validation not tried`);
  const doc = await openIdConfig(ctx);
  const jwksUri = String(doc.jwks_uri);
  if (new URL(jwksUri).origin !== new URL(ctx.loginUrl).origin)
    return fail(
      `the OpenID configuration's jwks_uri ${escapeText(jwksUri)} is not on the login endpoint ${escapeText(ctx.loginUrl)}`,
    );
  // jose 6 is an ES module; Node 20.19+ loads it with require(). Loaded here, when a token is checked.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const jose = require("jose") as typeof import("jose");
  const issuer = expectedIssuer(ctx.outputs.tenantId);
  const audience = [ctx.outputs.apiClientId, ctx.outputs.apiAudience];
  try {
    const { payload, protectedHeader } = await jose.jwtVerify(
      t.token,
      jose.createRemoteJWKSet(new URL(jwksUri)),
      {
        issuer,
        audience,
        algorithms: ["RS256"],
      },
    );
    return verdict([], `a token of ${t.from} validates against the tenant's keys for audience and issuer`, [
      `aud ${q(payload.aud)}, iss ${q(payload.iss)}, ver ${q(payload.ver)}, kid ${q(protectedHeader.kid)}`,
      `expires ${payload.exp ? new Date(payload.exp * 1000).toISOString() : "never"}`,
    ]);
  } catch (err) {
    const code = (err as { code?: string }).code ?? "ERR";
    const why = escapeText((err instanceof Error ? err.message : String(err)).split("\n")[0]);
    return fail(
      `a token of ${t.from} does not validate (${code}: ${why}); expected audience ${q(audience)} and issuer ${q(issuer)}`,
    );
  }
}

export const TOKEN_CHECKS: Check[] = [
  {
    id: "tokens.issuer",
    sop: 'SOP 000 "Token & Audience: Issuer: tenant-specific https://login.microsoftonline.com/<tenant>/v2.0"',
    title: "the tenant's OpenID configuration gives the v2 issuer the program configures",
    run: openIdCheck,
  },
  {
    id: "tokens.app-registration",
    sop: 'SOP 000 "Token & Audience: Audience/App ID URI per env: api://engram-<env> ... Scopes: user_impersonation"',
    title:
      "the API app registration: api://engram-<env>, v2 tokens, user_impersonation, no secrets (Graph, read-only)",
    run: registrationCheck,
  },
  {
    id: "tokens.jwt",
    sop: 'SOP 000 "Validation: per release: token validation (aud/iss)"',
    title: "a token for the API validates against the tenant's JWKS for audience and issuer (jose)",
    run: jwtCheck,
  },
];
