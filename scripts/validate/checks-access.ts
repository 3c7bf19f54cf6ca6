import { BUILT_IN_ROLES, FORBIDDEN_ROLES } from "../../lib/roles";
import { byCodePoint, escapeText } from "../../lib/text";
import type { PlannedGrant } from "./expected";
import { HttpError, Json, obj } from "./rest";
import { Check, Context, fail, once, Outcome, verdict } from "./types";

/**
 * Managed identities and who reads Key Vault secrets, read from ARM and compared with the plan of
 * the stack's own config (scripts/validate/expected.ts): each identity holds exactly its planned
 * role assignments at the planned scopes, and the vault's secret readers are exactly the planned
 * ones (SOP 000 "Least privilege + RBAC everywhere"; DESIGN.md §3-§4).
 */

const RA_API = "api-version=2022-04-01";

/** Key Vault roles that also read secret values, which this program never assigns (so not in lib/roles.ts). */
const OTHER_SECRET_READER_ROLES = {
  "Key Vault Secrets Officer": "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
  "Key Vault Administrator": "00482a5a-887f-4fb3-b363-3b7fe8e74483",
} as const;
/** A role's name by its GUID (the roles this program knows), else the GUID. */
const ROLE_NAMES = new Map<string, string>(
  [
    ...Object.entries(BUILT_IN_ROLES),
    ...Object.entries(FORBIDDEN_ROLES),
    ...Object.entries(OTHER_SECRET_READER_ROLES),
  ].map(([n, g]) => [g, n]),
);
export const roleName = (guid: string): string => ROLE_NAMES.get(guid) ?? `role ${escapeText(guid)}`;
/** Roles that read secret values (data actions on secrets). */
const SECRET_READERS: readonly string[] = [
  BUILT_IN_ROLES["Key Vault Secrets User"],
  ...Object.values(OTHER_SECRET_READER_ROLES),
];

export interface LiveAssignment {
  principalId: string;
  roleGuid: string;
  scope: string;
  condition?: string;
}

export function liveAssignment(a: Json): LiveAssignment {
  const p = obj(a.properties);
  return {
    principalId: String(p.principalId),
    roleGuid: String(p.roleDefinitionId).split("/").pop()!.toLowerCase(),
    scope: String(p.scope),
    ...(typeof p.condition === "string" && p.condition ? { condition: p.condition } : {}),
  };
}

const key = (roleGuid: string, scope: string, principal = "") =>
  `${principal}|${roleGuid}|${scope.toLowerCase()}`;

/** A user-assigned identity of a resource group: its principal and client ids. */
export function identity(
  ctx: Context,
  rgId: string,
  name: string,
): Promise<{ principalId: string; clientId: string }> {
  return once(ctx, `identity:${rgId}/${name}`, async () => {
    const id = await ctx.arm.getJson(
      `${rgId}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name}?api-version=2023-01-31`,
    );
    return {
      principalId: String(obj(id.properties).principalId),
      clientId: String(obj(id.properties).clientId),
    };
  });
}

/** Every role assignment of a principal in the given subscriptions (at, above and below each scope). */
export interface PrincipalAssignments {
  assignments: LiveAssignment[];
  /** Scopes (after the first) the signed-in identity may not read: what is granted there is not seen. */
  unreadable: string[];
}

/**
 * Every role assignment of a principal that applies at, above or below each scope (ARM lists all
 * three for a principal filter), read where the deployer may read: the first scope (the
 * environment's resource group) must be readable; another one (a shared registry, the AI account)
 * that answers 403 is reported as unreadable, not as missing.
 */
export async function assignmentsOf(
  ctx: Context,
  principalId: string,
  scopes: string[],
): Promise<PrincipalAssignments> {
  const found = new Map<string, LiveAssignment>();
  const unreadable: string[] = [];
  const filter = encodeURIComponent(`principalId eq '${principalId}'`);
  const distinct = [...new Map(scopes.map((sc) => [sc.toLowerCase(), sc])).values()];
  for (const [i, scope] of distinct.entries()) {
    try {
      for (const a of await ctx.arm.list(
        `${scope}/providers/Microsoft.Authorization/roleAssignments?${RA_API}&$filter=${filter}`,
      )) {
        const live = liveAssignment(a);
        found.set(key(live.roleGuid, live.scope), live);
      }
    } catch (err) {
      if (i === 0 || !(err instanceof HttpError && err.forbidden)) throw err;
      unreadable.push(scope);
    }
  }
  return {
    assignments: [...found.values()].sort((x, y) =>
      byCodePoint(key(x.roleGuid, x.scope), key(y.roleGuid, y.scope)),
    ),
    unreadable,
  };
}

/** What could not be read, for the reason (and one evidence line each). */
export function unreadNote(notRead: Set<string>, evidence: string[]): string {
  for (const u of notRead) evidence.push(`not readable by the signed-in identity (403): ${escapeText(u)}`);
  return notRead.size ? ` (not readable, so not checked: ${[...notRead].map(escapeText).join(", ")})` : "";
}

/** Whether a scope is the given one or inside it (ARM ids compare case-insensitively). */
export const within = (scope: string, outer: string): boolean =>
  scope.toLowerCase() === outer.toLowerCase() || scope.toLowerCase().startsWith(`${outer.toLowerCase()}/`);

async function identityCheck(ctx: Context): Promise<Outcome> {
  const { expected: exp, outputs } = ctx;
  const problems: string[] = [];
  const evidence: string[] = [];
  const notRead = new Set<string>();
  for (const id of exp.identities) {
    const live = await identity(ctx, outputs.resourceGroupId, id.name);
    const planned = exp.grants.filter((g) => g.principal === id.service);
    const outputClientId = outputs.serviceIdentityClientIds[id.service];
    if (outputClientId !== undefined && outputClientId !== live.clientId)
      problems.push(
        `${id.service}: the stack's client id ${escapeText(outputClientId)} is not ${id.name}'s (${escapeText(live.clientId)})`,
      );
    const outside = planned.filter((g) => !within(g.scope, outputs.resourceGroupId)).map((g) => g.scope);
    const { assignments: actual, unreadable } = await assignmentsOf(ctx, live.principalId, [
      outputs.resourceGroupId,
      ...outside,
    ]);
    const unseen = (scope: string) => unreadable.some((u) => within(scope, u));
    const want = new Set(planned.map((g) => key(g.roleGuid, g.scope)));
    const have = new Set(actual.map((a) => key(a.roleGuid, a.scope)));
    for (const g of planned)
      if (!have.has(key(g.roleGuid, g.scope)) && !unseen(g.scope))
        problems.push(`${id.service}: missing ${g.role} on ${escapeText(g.scope)}`);
    for (const a of actual)
      if (!want.has(key(a.roleGuid, a.scope)))
        problems.push(`${id.service}: unplanned ${roleName(a.roleGuid)} on ${escapeText(a.scope)}`);
    for (const u of unreadable) notRead.add(u);
    evidence.push(
      `${id.service} (${id.name}, principal ${escapeText(live.principalId)}): ${actual.length} assignments, ${planned.length} planned`,
    );
  }
  const note = unreadNote(notRead, evidence);
  return verdict(
    problems,
    `${exp.identities.length} service identities hold exactly their planned role assignments${note}`,
    evidence,
  );
}

async function secretReadersCheck(ctx: Context): Promise<Outcome> {
  const { expected: exp, outputs } = ctx;
  const vaultId = `${outputs.resourceGroupId}/providers/Microsoft.KeyVault/vaults/${outputs.keyVaultName}`;
  const inVault = (scope: string) => within(scope, vaultId);
  // Who the principal ids are: the service identities (read live) and the groups (from config).
  const names = new Map<string, string>();
  for (const id of exp.identities)
    names.set((await identity(ctx, outputs.resourceGroupId, id.name)).principalId, id.service);
  for (const g of exp.grants) if (g.principalId) names.set(g.principalId, g.principal);
  const principalOf = (g: PlannedGrant) =>
    [...names].find(([, n]) => n === g.principal)?.[0] ?? g.principalId ?? g.principal;
  const planned = exp.grants.filter((g) => SECRET_READERS.includes(g.roleGuid) && inVault(g.scope));
  if (planned.length === 0)
    return fail(`the plan has no Key Vault secret reader in ${escapeText(outputs.keyVaultName)}`);
  const live = (await ctx.arm.list(`${vaultId}/providers/Microsoft.Authorization/roleAssignments?${RA_API}`))
    .map(liveAssignment)
    .filter((a) => SECRET_READERS.includes(a.roleGuid));
  const want = new Set(planned.map((g) => key(g.roleGuid, g.scope, principalOf(g))));
  const have = new Set(live.map((a) => key(a.roleGuid, a.scope, a.principalId)));
  const problems: string[] = [];
  for (const g of planned)
    if (!have.has(key(g.roleGuid, g.scope, principalOf(g)))) problems.push(`missing: ${escapeText(g.line)}`);
  for (const a of live)
    if (!want.has(key(a.roleGuid, a.scope, a.principalId)))
      problems.push(
        `unplanned reader: ${escapeText(names.get(a.principalId) ?? `principal ${a.principalId}`)} has ${roleName(a.roleGuid)} on ${escapeText(a.scope)}`,
      );
  const evidence = live
    .map(
      (a) =>
        `${a.scope.split("/").pop()} <- ${escapeText(names.get(a.principalId) ?? a.principalId)} (${roleName(a.roleGuid)})`,
    )
    .sort(byCodePoint);
  return verdict(
    problems,
    `${live.length} secret-reader assignments in ${escapeText(outputs.keyVaultName)}, exactly as planned`,
    evidence,
  );
}

export const ACCESS_CHECKS: Check[] = [
  {
    id: "identity.roles",
    sop: 'SOP 000 "Least privilege + RBAC everywhere"; checklist "Storage: MI read/write as scoped"; "Validation: MI flow to KV/Storage/Postgres"',
    title:
      "each service identity holds exactly the plan's role assignments at the planned scopes, nothing more (ARM)",
    usesPlan: true,
    run: identityCheck,
  },
  {
    id: "keyvault.readers",
    sop: 'SOP 000 "Secrets in Key Vault; prefer MI to fetch"; SOP 002 "Check Managed Identity has Key Vault Secrets User role"',
    title: "the Key Vault's secret readers (at, above and below the vault) are exactly the planned ones",
    usesPlan: true,
    run: secretReadersCheck,
  },
];
