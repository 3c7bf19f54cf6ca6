import { byCodePoint, escapeText } from "../../lib/text";
import { list, obj } from "./rest";
import { Check, Context, Outcome, verdict } from "./types";

/**
 * Postgres and Storage settings, read from ARM (metadata only, never a key or a password) and
 * compared with the matrix (DESIGN.md §1) and the stack's plan.
 */

const q = (v: unknown) => escapeText(String(v));

async function postgresCheck(ctx: Context): Promise<Outcome> {
  const { expected: exp, outputs } = ctx;
  const appServer = outputs.postgresAppHost.split(".")[0];
  const problems: string[] = [];
  const evidence: string[] = [];
  for (const s of exp.postgres) {
    const base = `${outputs.resourceGroupId}/providers/Microsoft.DBforPostgreSQL/flexibleServers/${s.name}`;
    const p = obj((await ctx.arm.getJson(`${base}?api-version=2024-08-01`)).properties);
    const auth = obj(p.authConfig);
    const admins = (await ctx.arm.list(`${base}/administrators?api-version=2024-08-01`)).map((a) =>
      String(obj(a.properties).objectId ?? a.name),
    );
    const isApp = s.name === appServer;
    const wantPassword = isApp ? (exp.postgresPasswordAuth ? "Enabled" : "Disabled") : s.passwordAuth;
    if (auth.activeDirectoryAuth !== "Enabled")
      problems.push(`${s.name}: Entra auth is ${q(auth.activeDirectoryAuth)}, expected Enabled`);
    if (auth.passwordAuth !== wantPassword)
      problems.push(
        `${s.name}: password auth is ${q(auth.passwordAuth)}, expected ${wantPassword}` +
          (isApp
            ? ` (the matrix: application database password auth ${exp.postgresPasswordAuth ? "allowed" : "off"} in ${exp.environment})`
            : " (the plan)"),
      );
    if (obj(p.network).publicNetworkAccess !== s.publicNetworkAccess)
      problems.push(
        `${s.name}: public network access is ${q(obj(p.network).publicNetworkAccess)}, expected ${s.publicNetworkAccess}`,
      );
    if (admins.length === 0) problems.push(`${s.name}: no Entra administrator`);
    for (const a of s.admins)
      if (!admins.includes(a)) problems.push(`${s.name}: the planned Entra administrator ${q(a)} is not set`);
    for (const a of admins)
      if (!s.admins.includes(a)) problems.push(`${s.name}: unplanned Entra administrator ${q(a)}`);
    evidence.push(
      `${s.name}${isApp ? " (application database)" : ""}: activeDirectoryAuth ${q(auth.activeDirectoryAuth)}, passwordAuth ${q(auth.passwordAuth)}, publicNetworkAccess ${q(obj(p.network).publicNetworkAccess)}, Entra administrators ${escapeText(admins.join(", ") || "none")}`,
    );
  }
  return verdict(
    problems,
    `${exp.postgres.length} Postgres servers: Entra auth on with an Entra administrator, password auth as the matrix says`,
    evidence,
  );
}

async function storageCheck(ctx: Context): Promise<Outcome> {
  const { expected: exp, outputs } = ctx;
  const base = `${outputs.resourceGroupId}/providers/Microsoft.Storage/storageAccounts/${outputs.storageAccountName}`;
  const p = obj((await ctx.arm.getJson(`${base}?api-version=2023-05-01`)).properties);
  const containers = await ctx.arm.list(`${base}/blobServices/default/containers?api-version=2023-05-01`);
  const problems: string[] = [];
  if (p.allowBlobPublicAccess !== false)
    problems.push(`allowBlobPublicAccess is ${q(p.allowBlobPublicAccess)}, expected false`);
  // ARM leaves allowSharedKeyAccess out when it was never set: then shared keys are allowed.
  const sharedKeys = p.allowSharedKeyAccess !== false;
  if (sharedKeys !== exp.sharedKeyAccess)
    problems.push(
      `shared key access is ${sharedKeys ? "allowed" : "off"}; the matrix has it ${exp.sharedKeyAccess ? "allowed" : "off"} in ${exp.environment}`,
    );
  if (p.publicNetworkAccess !== exp.storage.publicNetworkAccess)
    problems.push(
      `public network access is ${q(p.publicNetworkAccess)}, expected ${exp.storage.publicNetworkAccess}`,
    );
  const acls = obj(p.networkAcls);
  const ipRules = list(acls.ipRules)
    .map((r) => String(obj(r).value))
    .sort(byCodePoint);
  if (acls.defaultAction !== exp.storage.defaultAction)
    problems.push(
      `the firewall's default action is ${q(acls.defaultAction)}, expected ${exp.storage.defaultAction}`,
    );
  if (JSON.stringify(ipRules) !== JSON.stringify(exp.storage.ipRules))
    problems.push(
      `the firewall allows ${q(ipRules.join(", ") || "no IP range")}, planned ${q(exp.storage.ipRules.join(", ") || "none")}`,
    );
  const names = containers.map((c) => String(c.name)).sort(byCodePoint);
  for (const c of exp.storage.containers)
    if (!names.includes(c)) problems.push(`the container ${q(c)} does not exist`);
  for (const c of containers) {
    const access = obj(c.properties).publicAccess ?? "None";
    if (access !== "None") problems.push(`the container ${q(c.name)} allows public access (${q(access)})`);
  }
  return verdict(
    problems,
    `${escapeText(outputs.storageAccountName)}: no public access, shared keys as the matrix says, ${names.length} private containers`,
    [
      `allowBlobPublicAccess ${q(p.allowBlobPublicAccess)}, allowSharedKeyAccess ${q(p.allowSharedKeyAccess)}, publicNetworkAccess ${q(p.publicNetworkAccess)}, firewall ${q(acls.defaultAction)} (allow ${q(ipRules.join(", ") || "none")})`,
      ...containers
        .map((c) => `container ${q(c.name)}: publicAccess ${q(obj(c.properties).publicAccess ?? "None")}`)
        .sort(byCodePoint),
    ],
  );
}

export const DATA_CHECKS: Check[] = [
  {
    id: "data.postgres",
    sop: 'SOP 000 checklist "Postgres: MI-based connection succeeds; password auth disabled in prod"',
    title:
      "Postgres: Entra auth on, an Entra administrator set, password auth off where the matrix says (the servers are private: no connection is tried)",
    usesPlan: true,
    run: postgresCheck,
  },
  {
    id: "data.storage",
    sop: 'SOP 000 checklist "Storage: MI read/write as scoped; no public containers"; matrix "no public DB/storage"',
    title:
      "Storage: no blob public access, shared keys per the matrix, public network access and firewall as planned, every container private",
    usesPlan: true,
    run: storageCheck,
  },
];
