import { byCodePoint } from "../../lib/text";
import { aksNetworkPaths, aksSecretReaders } from "./access-model-aks";
import { PlanIndex } from "./plan-index";
import { grantParts, Inputs, inputsOf, lastSegment, list, obj } from "./report/format";

/**
 * Who can reach what in a plan, as plain facts: Azure role assignments, app-role assignments, secret
 * readers and network paths (on AKS also SecretProviderClass readers, Services and NetworkPolicy
 * flows: access-model-aks.ts). The report's access diagram draws them; `npm run access-diff` compares
 * them between two plans of a stack. Reads the plan only; every list is sorted by code point.
 */

const sorted = (xs: string[]) => [...new Set(xs)].sort(byCodePoint);

export interface RoleGrant {
  /** `backend`, `group:sre`, `appgw` (from the assignment's description), or the principal id. */
  principal: string;
  principalType: string;
  role: string;
  /** `kv-secret:zep-api-key`, `rg`, `appi` (from the description), or the scope's last segment. */
  scope: string;
}

export interface AppRoleGrant {
  principal: string;
  appRole: string;
  app: string;
}

export interface AccessModel {
  roleGrants: RoleGrant[];
  appRoleGrants: AppRoleGrant[];
  /** `<secret> <- <reader> (<how>)`. */
  secretReaders: string[];
  /** `<from> -> <to> (<what>)`. */
  networkPaths: string[];
}

const SECRET_READER_ROLES = [
  "Key Vault Secrets User",
  "Key Vault Secrets Officer",
  "Key Vault Administrator",
];

function roleGrants(index: PlanIndex): RoleGrant[] {
  return index
    .ofType("azure-native:authorization:RoleAssignment")
    .map((s) => {
      const i = inputsOf(s);
      const g = grantParts(i.description);
      return {
        principal: g ? g.principal : String(i.principalId),
        principalType: String(i.principalType ?? "unset"),
        role: g ? g.role : `role ${lastSegment(i.roleDefinitionId)}`,
        scope: g ? g.scope : lastSegment(i.scope),
      };
    })
    .sort((a, b) => byCodePoint(grantLine(a), grantLine(b)));
}

export const grantLine = (g: RoleGrant) => `${g.principal} -> ${g.role} on ${g.scope}`;
export const appRoleLine = (g: AppRoleGrant) => `${g.principal} -> app role ${g.appRole} of ${g.app}`;

function appRoleGrants(index: PlanIndex): AppRoleGrant[] {
  const apps = index.ofType("azuread:index/application:Application");
  const roleName = new Map<string, { role: string; app: string }>();
  for (const a of apps)
    for (const r of list(inputsOf(a).appRoles).map(obj))
      roleName.set(String(r.id), { role: String(r.value), app: String(inputsOf(a).displayName) });
  return index
    .ofType("azuread:index/appRoleAssignment:AppRoleAssignment")
    .map((s) => {
      const i = inputsOf(s);
      const known = roleName.get(String(i.appRoleId));
      return {
        principal: index
          .logicalName(s)
          .replace(/^entra-api-role-/, "")
          .replace(/^group-/, "group:"),
        appRole: known?.role ?? String(i.appRoleId),
        app: known?.app ?? "unknown app",
      };
    })
    .sort((a, b) => byCodePoint(appRoleLine(a), appRoleLine(b)));
}

function secretReaders(index: PlanIndex, grants: RoleGrant[]): string[] {
  const out: string[] = [];
  for (const g of grants.filter((g) => SECRET_READER_ROLES.includes(g.role))) {
    if (g.scope.startsWith("kv-secret:"))
      out.push(`${g.scope.slice("kv-secret:".length)} <- ${g.principal} (${g.role})`);
    else out.push(`every secret in ${g.scope} <- ${g.principal} (${g.role})`);
  }
  for (const app of index.ofType("azure-native:app:ContainerApp")) {
    const service = String(obj(inputsOf(app).tags).service ?? index.logicalName(app));
    for (const s of list(obj(inputsOf(app).configuration).secrets).map(obj))
      if (typeof s.keyVaultUrl === "string")
        out.push(`${lastSegment(s.keyVaultUrl)} <- ${service} (Container App secret reference)`);
  }
  out.push(...aksSecretReaders(index));
  return sorted(out);
}

function networkPaths(index: PlanIndex): string[] {
  const out: string[] = [];
  for (const app of index.ofType("azure-native:app:ContainerApp")) {
    const i = inputsOf(app);
    const service = String(obj(i.tags).service ?? index.logicalName(app));
    const ingress = obj(obj(i.configuration).ingress);
    if (Object.keys(ingress).length === 0) continue;
    const port = `${String(ingress.exposedPort ?? ingress.targetPort)}/${String(ingress.transport ?? "auto")}`;
    const from = ingress.external === true ? "internet" : "container apps environment";
    const allowed = list(ingress.ipSecurityRestrictions)
      .map(obj)
      .filter((r) => r.action === "Allow")
      .map((r) => String(r.ipAddressRange));
    if (allowed.length === 0) out.push(`${from} -> ${service}:${port} (ingress)`);
    for (const ip of allowed) out.push(`${ip} via ${from} -> ${service}:${port} (ingress allowlist)`);
  }
  for (const nsg of index.ofType("azure-native:network:NetworkSecurityGroup"))
    for (const r of list(inputsOf(nsg).securityRules).map(obj))
      if (r.direction === "Inbound" && r.access === "Allow")
        out.push(
          `${String(r.sourceAddressPrefix)} -> ${index.logicalName(nsg)}:${String(r.destinationPortRange)}/${String(r.protocol)} (NSG rule ${String(r.name)})`,
        );
  const dataPlanes: [string, (i: Inputs) => { name: unknown; public: unknown; ips: string[] }][] = [
    [
      "azure-native:keyvault:Vault",
      (i) => ({
        name: i.vaultName,
        public: obj(i.properties).publicNetworkAccess,
        ips: list(obj(obj(i.properties).networkAcls).ipRules).map((r) => String(obj(r).value)),
      }),
    ],
    [
      "azure-native:storage:StorageAccount",
      (i) => ({
        name: i.accountName,
        public: i.publicNetworkAccess,
        ips: list(obj(i.networkRuleSet).ipRules).map((r) => String(obj(r).iPAddressOrRange)),
      }),
    ],
    [
      "azure-native:dbforpostgresql:Server",
      (i) => ({ name: i.serverName, public: obj(i.network).publicNetworkAccess, ips: [] }),
    ],
  ];
  for (const [type, read] of dataPlanes)
    for (const s of index.ofType(type)) {
      const d = read(inputsOf(s));
      if (d.public !== "Disabled") {
        out.push(`internet -> ${String(d.name)} (public network access)`);
        for (const ip of d.ips) out.push(`${ip} -> ${String(d.name)} (firewall rule)`);
      }
    }
  for (const pe of index.ofType("azure-native:network:PrivateEndpoint"))
    for (const c of list(inputsOf(pe).privateLinkServiceConnections).map(obj))
      out.push(
        `${lastSegment(obj(inputsOf(pe).subnet).id)} -> ${lastSegment(c.privateLinkServiceId)} (private endpoint ${list(c.groupIds).join(",")})`,
      );
  for (const rule of index.ofType("azure-native:dbforpostgresql:FirewallRule")) {
    const i = inputsOf(rule);
    out.push(
      `${String(i.startIpAddress)}-${String(i.endIpAddress)} -> ${lastSegment(i.serverName)} (Postgres firewall rule)`,
    );
  }
  out.push(...aksNetworkPaths(index));
  return sorted(out);
}

export function accessModel(index: PlanIndex): AccessModel {
  const grants = roleGrants(index);
  return {
    roleGrants: grants,
    appRoleGrants: appRoleGrants(index),
    secretReaders: secretReaders(index, grants),
    networkPaths: networkPaths(index),
  };
}
