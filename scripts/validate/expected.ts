import { APP_NAMES, SERVICES } from "../../src/services";
import { byCodePoint } from "../../lib/text";
import type { ValidatedConfig } from "../../src/config";
import type { Runtime } from "../../src/matrix";
import type { PreviewJson } from "../offline/plan";
import { PLACEHOLDER_SUBSCRIPTION } from "../offline/placeholder-ids";
import { PlanIndex } from "../offline/plan-index";
import { grantParts, lastSegment } from "../offline/report/format";
import { list, obj } from "./rest";

/**
 * What the live environment must be, taken from the repository itself: the offline plan of the
 * stack's own config file (the real program under mocks, scripts/offline/plan.ts) and the matrix
 * decisions that plan was made with. Names are deterministic (lib/naming.ts), so a planned scope
 * is the live ARM id once the plan's placeholder subscription is replaced by the real one.
 */

export interface PlannedGrant {
  /** `backend`, `group:sre`, `appgw`: who, as the access table names it. */
  principal: string;
  /** The principal's object id, when the plan knows it (groups: from config). */
  principalId?: string;
  role: string;
  roleGuid: string;
  /** The live ARM id of the scope. */
  scope: string;
  /** As the plan's report writes it: `backend -> AcrPull on acr`. */
  line: string;
}

export interface PlannedApp {
  service: string;
  name: string;
  external: boolean;
  allowlist: string[];
}

export interface Expected {
  stack: string;
  environment: string;
  runtime: Runtime;
  /** The matrix (DESIGN.md §1) in force for the stack. */
  sharedKeyAccess: boolean;
  postgresPasswordAuth: boolean;
  /** Service identities: the access table's name for each, and its Azure name. */
  identities: { service: string; name: string }[];
  grants: PlannedGrant[];
  storage: {
    name: string;
    publicNetworkAccess: string;
    defaultAction: string;
    ipRules: string[];
    containers: string[];
  };
  postgres: { name: string; passwordAuth: string; publicNetworkAccess: string; admins: string[] }[];
  /** The internal services' Container Apps (zep, temporal, temporal-ui) on ACA. */
  apps: PlannedApp[];
  /** The AKS cluster's name, when the runtime is aks. */
  cluster?: string;
}

/** The apps src/services.ts keeps inside the environment (internal ingress): zep, temporal, temporal-ui. */
const INTERNAL_SERVICES: readonly string[] = APP_NAMES.filter((a) =>
  SERVICES[a].ingress.startsWith("internal"),
);

/** The plan's scope with the real subscription in place of the placeholder one. */
export function liveScope(planned: string, subscriptionId: string): string {
  return planned.replace(`/subscriptions/${PLACEHOLDER_SUBSCRIPTION}`, `/subscriptions/${subscriptionId}`);
}

function grantsOf(index: PlanIndex, subscriptionId: string): PlannedGrant[] {
  return index
    .ofType("azure-native:authorization:RoleAssignment")
    .map((s) => {
      const i = s.newState.inputs;
      const g = grantParts(i.description);
      const principal = g?.principal ?? String(i.principalId);
      return {
        principal,
        ...(principal.startsWith("group:") ? { principalId: String(i.principalId) } : {}),
        role: g?.role ?? lastSegment(i.roleDefinitionId),
        roleGuid: lastSegment(i.roleDefinitionId).toLowerCase(),
        scope: liveScope(String(i.scope), subscriptionId),
        line: String(i.description).replace(/^engram-infra: /, ""),
      };
    })
    .sort((a, b) => byCodePoint(a.line, b.line));
}

function appsOf(index: PlanIndex): PlannedApp[] {
  return index
    .ofType("azure-native:app:ContainerApp")
    .map((s) => s.newState.inputs)
    .filter((i) => INTERNAL_SERVICES.includes(String(obj(i.tags).service)))
    .map((i) => {
      const ingress = obj(obj(i.configuration).ingress);
      return {
        service: String(obj(i.tags).service),
        name: String(i.containerAppName),
        external: ingress.external === true,
        allowlist: list(ingress.ipSecurityRestrictions)
          .map(obj)
          .filter((r) => r.action === "Allow")
          .map((r) => String(r.ipAddressRange)),
      };
    })
    .sort((a, b) => byCodePoint(a.service, b.service));
}

export function expectedFrom(plan: PreviewJson, config: ValidatedConfig, subscriptionId: string): Expected {
  const index = new PlanIndex(plan);
  const inputs = (type: string) => index.ofType(type).map((s) => s.newState.inputs);
  const account = inputs("azure-native:storage:StorageAccount")[0] ?? {};
  const admins = inputs("azure-native:dbforpostgresql:Administrator");
  const cluster = inputs("azure-native:containerservice:ManagedCluster")[0];
  return {
    stack: config.stack,
    environment: config.environment,
    runtime: config.decisions.runtime.value,
    sharedKeyAccess: config.decisions.sharedKeyAccess.value,
    postgresPasswordAuth: config.decisions.postgresPasswordAuth.value,
    identities: inputs("azure-native:managedidentity:UserAssignedIdentity")
      .map((i) => ({ service: String(obj(i.tags).service ?? i.resourceName), name: String(i.resourceName) }))
      .sort((a, b) => byCodePoint(a.service, b.service)),
    grants: grantsOf(index, subscriptionId),
    storage: {
      name: String(account.accountName),
      publicNetworkAccess: String(account.publicNetworkAccess ?? "Enabled"),
      defaultAction: String(obj(account.networkRuleSet).defaultAction ?? "Allow"),
      ipRules: list(obj(account.networkRuleSet).ipRules)
        .map((r) => String(obj(r).iPAddressOrRange))
        .sort(byCodePoint),
      containers: inputs("azure-native:storage:BlobContainer").map((c) => String(c.containerName)),
    },
    postgres: inputs("azure-native:dbforpostgresql:Server").map((s) => ({
      name: String(s.serverName),
      passwordAuth: String(obj(s.authConfig).passwordAuth),
      publicNetworkAccess: String(obj(s.network).publicNetworkAccess ?? "Enabled"),
      admins: admins.filter((a) => a.serverName === s.serverName).map((a) => String(a.objectId)),
    })),
    apps: appsOf(index),
    ...(cluster ? { cluster: String(cluster.resourceName) } : {}),
  };
}
