import {
  BOOTSTRAP_RESOURCE_GROUP,
  applyIdentityName,
  Environment,
  planIdentityName,
  secretsKeyName,
  stateContainerName,
} from "../../bootstrap/src/names";
import {
  applySubjects,
  AZURE_TOKEN_EXCHANGE_AUDIENCE,
  FederatedSubject,
  GITHUB_OIDC_ISSUER,
  planSubjects,
} from "../../bootstrap/src/oidc";
import { FORBIDDEN_ROLES } from "../../lib/roles";
import { byCodePoint, escapeText } from "../../lib/text";
import { assignmentsOf, identity, roleName, unreadNote } from "./checks-access";
import { subscriptionOf } from "./outputs";
import { HttpError, list, obj } from "./rest";
import { Check, Context, Outcome, skip, verdict } from "./types";

/**
 * The deployer identities the bootstrap made for this environment (bootstrap/components/
 * deployerIdentity.ts): federated credentials only, bound to the expected GitHub subjects, and
 * roles only on the environment's resource group (plus its own state container and secrets key).
 */

interface Deployer {
  kind: "plan" | "apply";
  name: string;
  subjects: FederatedSubject[];
}

function deployers(env: Environment, repo: string): Deployer[] {
  const [owner, name] = repo.split("/");
  return [
    { kind: "plan", name: planIdentityName(env), subjects: planSubjects(owner, name, env) },
    { kind: "apply", name: applyIdentityName(env), subjects: applySubjects(owner, name, env) },
  ];
}

const bootstrapGroup = (ctx: Context) =>
  `/subscriptions/${subscriptionOf(ctx.outputs)}/resourceGroups/${BOOTSTRAP_RESOURCE_GROUP}`;

/** Client secrets or certificates on the identity's service principal (Graph); undefined when Graph may not be read. */
async function secretsOf(ctx: Context, clientId: string): Promise<number | undefined> {
  const filter = encodeURIComponent(`appId eq '${clientId}'`);
  try {
    const sps = await ctx.graph.list(
      `/v1.0/servicePrincipals?$filter=${filter}&$select=displayName,passwordCredentials,keyCredentials`,
    );
    return sps.reduce((n, sp) => n + list(sp.passwordCredentials).length + list(sp.keyCredentials).length, 0);
  } catch (err) {
    if (err instanceof HttpError && err.forbidden) return undefined;
    throw err;
  }
}

async function federatedCheck(ctx: Context): Promise<Outcome> {
  if (!ctx.githubRepo || !/^[^/\s]+\/[^/\s]+$/.test(ctx.githubRepo))
    return skip(
      "the GitHub repository is not known (GITHUB_REPOSITORY or --github-repo <owner/repo>): the expected subjects cannot be named",
    );
  const problems: string[] = [];
  const evidence: string[] = [];
  let graphUnread = false;
  for (const d of deployers(ctx.outputs.environment as Environment, ctx.githubRepo)) {
    const base = `${bootstrapGroup(ctx)}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${d.name}`;
    const creds = (await ctx.arm.list(`${base}/federatedIdentityCredentials?api-version=2023-01-31`)).map(
      (c) => {
        const p = obj(c.properties);
        return { name: String(c.name), subject: p.subject, issuer: p.issuer, audiences: p.audiences };
      },
    );
    const have = creds.map((c) => `${c.name}=${String(c.subject)}`).sort(byCodePoint);
    const want = d.subjects.map((s) => `${s.name}=${s.subject}`).sort(byCodePoint);
    for (const w of want)
      if (!have.includes(w)) problems.push(`${d.name}: no federated credential ${escapeText(w)}`);
    for (const h of have)
      if (!want.includes(h)) problems.push(`${d.name}: unexpected federated credential ${escapeText(h)}`);
    for (const c of creds) {
      if (c.issuer !== GITHUB_OIDC_ISSUER)
        problems.push(`${d.name}: ${escapeText(c.name)} trusts issuer ${escapeText(String(c.issuer))}`);
      if (JSON.stringify(c.audiences) !== JSON.stringify([AZURE_TOKEN_EXCHANGE_AUDIENCE]))
        problems.push(
          `${d.name}: ${escapeText(c.name)} has audiences ${escapeText(JSON.stringify(c.audiences))}`,
        );
    }
    const secrets = await secretsOf(ctx, (await identity(ctx, bootstrapGroup(ctx), d.name)).clientId);
    if (secrets === undefined) graphUnread = true;
    else if (secrets > 0)
      problems.push(
        `${d.name}: its service principal holds ${secrets} client secrets or certificates; OIDC only`,
      );
    evidence.push(
      `${d.name} (${d.kind}): ${escapeText(have.join(", ") || "no federated credentials")}; client secrets/certificates ${secrets ?? "not readable (Graph 403)"}`,
    );
  }
  const note = graphUnread ? " (client secrets not checked: Microsoft Graph answered 403)" : "";
  return verdict(
    problems,
    `the plan and apply identities trust exactly their GitHub subjects, OIDC only${note}`,
    evidence,
  );
}

/** Whether a deployer may hold a role on this scope: the environment's group, or its own state container / secrets key. */
function allowedScope(ctx: Context, scope: string): boolean {
  const s = scope.toLowerCase();
  const rg = ctx.outputs.resourceGroupId.toLowerCase();
  const env = ctx.outputs.environment;
  const boot = bootstrapGroup(ctx).toLowerCase();
  return (
    s === rg ||
    s.startsWith(`${rg}/`) ||
    (s.startsWith(`${boot}/providers/microsoft.storage/storageaccounts/`) &&
      s.endsWith(`/blobservices/default/containers/${stateContainerName(env as Environment)}`)) ||
    (s.startsWith(`${boot}/providers/microsoft.keyvault/vaults/`) &&
      s.endsWith(`/keys/${secretsKeyName(env as Environment)}`))
  );
}

async function scopeCheck(ctx: Context): Promise<Outcome> {
  const problems: string[] = [];
  const evidence: string[] = [];
  const notRead = new Set<string>();
  // The group first (it must be readable), then the subscription (to see grants on other groups)
  // and the bootstrap group (the state): a deployer often may not read those two.
  const scopes = [
    ctx.outputs.resourceGroupId,
    `/subscriptions/${subscriptionOf(ctx.outputs)}`,
    bootstrapGroup(ctx),
  ];
  for (const name of [
    planIdentityName(ctx.outputs.environment as Environment),
    applyIdentityName(ctx.outputs.environment as Environment),
  ]) {
    const id = await identity(ctx, bootstrapGroup(ctx), name);
    const { assignments, unreadable } = await assignmentsOf(ctx, id.principalId, scopes);
    for (const u of unreadable) notRead.add(u);
    for (const a of assignments) {
      const role = roleName(a.roleGuid);
      evidence.push(`${name}: ${role} on ${escapeText(a.scope)}${a.condition ? " (with a condition)" : ""}`);
      if (!allowedScope(ctx, a.scope))
        problems.push(
          `${name}: ${role} on ${escapeText(a.scope)}, outside ${escapeText(ctx.outputs.resourceGroupName)}`,
        );
      if (a.roleGuid === FORBIDDEN_ROLES.Owner || a.roleGuid === FORBIDDEN_ROLES["User Access Administrator"])
        problems.push(`${name}: ${role} on ${escapeText(a.scope)}, a role the deployers never hold`);
      if (a.roleGuid === FORBIDDEN_ROLES["Role Based Access Control Administrator"] && !a.condition)
        problems.push(
          `${name}: ${role} on ${escapeText(a.scope)} without the condition that limits which roles it assigns`,
        );
    }
    if (assignments.length === 0) evidence.push(`${name}: no role assignments`);
  }
  const note = unreadNote(notRead, evidence);
  return verdict(
    problems,
    `the deployer identities hold roles only on ${escapeText(ctx.outputs.resourceGroupName)} and their own state${note}`,
    evidence,
  );
}

export const CICD_CHECKS: Check[] = [
  {
    id: "cicd.oidc",
    sop: 'SOP 000 checklist "CI/CD: OIDC login only; no PAT/secret in repo"; "CI/CD: OIDC federation only (no stored client secrets)"',
    title:
      "the deployer identities have federated credentials only (no client secrets or certificates), bound to the expected GitHub subjects",
    run: federatedCheck,
  },
  {
    id: "cicd.scope",
    sop: 'SOP 000 checklist "CI/CD: ... principle scoped to RG/subset"',
    title:
      "the deployer identities hold roles only on their environment's resource group (and their own state), no Owner/User Access Administrator",
    run: scopeCheck,
  },
];
