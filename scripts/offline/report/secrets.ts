import { placeholderIdOf } from "../placeholders";
import { PlanStep } from "../plan";
import { PlanIndex } from "../plan-index";
import { code, grantParts, table } from "./format";
import { ReportSection } from "./section";

/**
 * Secrets and data-plane network posture, read from the plan: each Key Vault secret with its
 * source, expiry, rotation and readers (never a value: the plan holds none), and whether Key
 * Vault, Storage and Postgres are public or behind private endpoints.
 */

type Json = Record<string, unknown> & { [k: string]: Json };

const inputsOf = (s: PlanStep) => s.newState.inputs as Json;

/** `engram-infra: backend -> Key Vault Secrets User on kv-secret:zep-api-key` → `backend`. */
function readersOf(index: PlanIndex, secretId: string): string[] {
  return index
    .ofType("azure-native:authorization:RoleAssignment")
    .filter((a) => inputsOf(a).scope === (secretId as unknown))
    .map((a) => {
      const g = grantParts(inputsOf(a).description);
      return g ? g.principal : String(inputsOf(a).principalId);
    })
    .sort();
}

function expiry(value: unknown): string {
  if (typeof value !== "number") return "none";
  return `${new Date(value * 1000).toISOString().slice(0, 10)} (placeholder clock)`;
}

const secretsTable = (index: PlanIndex): string => {
  const rows = index.ofType("azure-native:keyvault:Secret").map((s) => {
    const i = inputsOf(s);
    const tags = (i.tags ?? {}) as Record<string, string>;
    const rotation =
      tags.rotation === "automatic"
        ? `every ${tags["rotation-days"]} days (time.Rotating keeper)`
        : tags.rotation === "manual"
          ? `manual; expires ${tags["expiry-days"]} days after it is set`
          : (tags.rotation ?? "—");
    return [
      code(String(i.secretName)),
      tags.source ?? "—",
      expiry((i.properties as Json).attributes?.expires),
      rotation,
      readersOf(index, placeholderIdOf(s)).join(", ") || "nobody",
    ];
  });
  return table(
    ["secret", "source", "expires", "rotation", "readers (Key Vault Secrets User on the secret)"],
    rows,
  );
};

const postureTable = (index: PlanIndex): string => {
  const endpoints = index.ofType("azure-native:network:PrivateEndpoint").map((e) => {
    const c = (inputsOf(e).privateLinkServiceConnections as unknown as Json[])[0];
    return { target: String(c.privateLinkServiceId), group: String((c.groupIds as unknown as string[])[0]) };
  });
  const zoneGroups = new Set(
    index
      .ofType("azure-native:network:PrivateDnsZoneGroup")
      .map((z) => String(inputsOf(z).privateEndpointName)),
  );
  const pe = (s: PlanStep) => {
    const e = endpoints.filter((x) => x.target === placeholderIdOf(s));
    return e.length
      ? e.map((x) => `${x.group}${zoneGroups.size ? " + DNS zone group" : ""}`).join(", ")
      : "none";
  };
  const rows: string[][] = [];
  for (const v of index.ofType("azure-native:keyvault:Vault")) {
    const p = inputsOf(v).properties;
    const acl = p.networkAcls;
    rows.push([
      `Key Vault ${code(String(inputsOf(v).vaultName))}`,
      String(p.publicNetworkAccess),
      `default ${String(acl.defaultAction)}; ${(acl.ipRules as unknown as unknown[]).length} IP rule(s), ${(acl.virtualNetworkRules as unknown as unknown[]).length} subnet rule(s)`,
      pe(v),
    ]);
  }
  for (const a of index.ofType("azure-native:storage:StorageAccount")) {
    const i = inputsOf(a);
    const r = i.networkRuleSet;
    rows.push([
      `Storage ${code(String(i.accountName))}`,
      String(i.publicNetworkAccess),
      `default ${String(r.defaultAction)}; ${(r.ipRules as unknown as unknown[]).length} IP rule(s), ${(r.virtualNetworkRules as unknown as unknown[]).length} subnet rule(s); shared key ${i.allowSharedKeyAccess ? "allowed" : "off"}`,
      pe(a),
    ]);
  }
  for (const s of index.ofType("azure-native:dbforpostgresql:Server")) {
    const i = inputsOf(s);
    const rules = index
      .ofType("azure-native:dbforpostgresql:FirewallRule")
      .filter((f) => inputsOf(f).serverName === i.serverName).length;
    rows.push([
      `Postgres ${code(String(i.serverName))}`,
      String(i.network.publicNetworkAccess),
      `${rules} firewall rule(s); password auth ${String(i.authConfig.passwordAuth)}, Entra ${String(i.authConfig.activeDirectoryAuth)}`,
      pe(s),
    ]);
  }
  return table(["data plane", "public network access", "firewall / auth", "private endpoint"], rows);
};

export const secretsSection: ReportSection = ({ index }) => {
  if (index.ofType("azure-native:keyvault:Vault").length === 0) return undefined;
  return [
    "## Secrets",
    "",
    "Every Key Vault secret of the stack: where its value comes from, when it expires, how it rotates and which",
    "identities can read it. Values never appear in the plan (`[secret]`).",
    "",
    secretsTable(index),
    "",
    "## Data-plane network posture",
    "",
    postureTable(index),
  ].join("\n");
};
