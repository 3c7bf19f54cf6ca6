import { createHash } from "crypto";
import { MANAGED_CLUSTER_RULE } from "./placeholder-aks";
import { Inputs, Outputs, placeholderUuid, rgId, str, token, PLACEHOLDER_TENANT } from "./placeholder-ids";

/**
 * The placeholder ids and computed outputs of azure-native resources, one rule per type (see
 * placeholders.ts for what they are for).
 */

/** ARM id `<rg>/providers/<namespace>/<type>/<name>[/<childType>/<childName>...]`. */
function arm(i: Inputs, provider: string, ...segments: [type: string, nameKey: string][]): string {
  const path = segments.map(([type, key]) => `${type}/${str(i[key], key)}`).join("/");
  return `${rgId(i)}/providers/${provider}/${path}`;
}

interface TypeRule {
  id(i: Inputs, name: string): string;
  /** The `name` output Azure reports. */
  name?(i: Inputs, name: string): string;
  outputs?(i: Inputs, urn: string, name: string): Outputs;
}

const simple = (provider: string, type: string, nameKey: string): TypeRule => ({
  id: (i) => arm(i, provider, [type, nameKey]),
  name: (i, n) => str(i[nameKey], n),
});

/** Per-type rules. A type missing here gets a generic ARM id (see `genericId`). */
const RULES: Record<string, TypeRule> = {
  "azure-native:resources:ResourceGroup": { id: rgId, name: (i, n) => str(i.resourceGroupName, n) },
  "azure-native:managedidentity:UserAssignedIdentity": {
    ...simple("Microsoft.ManagedIdentity", "userAssignedIdentities", "resourceName"),
    outputs: (_i, urn) => ({
      principalId: placeholderUuid(urn, "principalId"),
      clientId: placeholderUuid(urn, "clientId"),
      tenantId: PLACEHOLDER_TENANT,
    }),
  },
  "azure-native:managedidentity:FederatedIdentityCredential": {
    id: (i) =>
      arm(
        i,
        "Microsoft.ManagedIdentity",
        ["userAssignedIdentities", "resourceName"],
        ["federatedIdentityCredentials", "federatedIdentityCredentialResourceName"],
      ),
  },
  "azure-native:authorization:RoleAssignment": {
    id: (i) =>
      `${str(i.scope, "/")}/providers/Microsoft.Authorization/roleAssignments/${str(i.roleAssignmentName, "assignment")}`,
    name: (i, n) => str(i.roleAssignmentName, n),
  },
  "azure-native:authorization:ManagementLockByScope": {
    id: (i) => `${str(i.scope, "/")}/providers/Microsoft.Authorization/locks/${str(i.lockName, "lock")}`,
    name: (i, n) => str(i.lockName, n),
  },
  "azure-native:keyvault:Vault": {
    ...simple("Microsoft.KeyVault", "vaults", "vaultName"),
    outputs: (i) => ({
      properties: {
        ...(i.properties as Inputs),
        vaultUri: `https://${str(i.vaultName, "vault")}.vault.azure.net/`,
      },
    }),
  },
  "azure-native:keyvault:Secret": {
    id: (i) => arm(i, "Microsoft.KeyVault", ["vaults", "vaultName"], ["secrets", "secretName"]),
    name: (i, n) => str(i.secretName, n),
    outputs: (i, urn) => {
      const base = `https://${str(i.vaultName, "vault")}.vault.azure.net/secrets/${str(i.secretName, "secret")}`;
      return {
        properties: { secretUri: base, secretUriWithVersion: `${base}/${token(urn, "version", 32)}` },
      };
    },
  },
  "azure-native:storage:StorageAccount": {
    ...simple("Microsoft.Storage", "storageAccounts", "accountName"),
    outputs: (i) => {
      const n = str(i.accountName, "account");
      return {
        primaryEndpoints: {
          blob: `https://${n}.blob.core.windows.net/`,
          dfs: `https://${n}.dfs.core.windows.net/`,
        },
      };
    },
  },
  "azure-native:storage:BlobServiceProperties": {
    id: (i) => `${arm(i, "Microsoft.Storage", ["storageAccounts", "accountName"])}/blobServices/default`,
    name: () => "default",
  },
  "azure-native:storage:BlobContainer": {
    id: (i) =>
      `${arm(i, "Microsoft.Storage", ["storageAccounts", "accountName"])}/blobServices/default/containers/${str(i.containerName, "container")}`,
    name: (i, n) => str(i.containerName, n),
  },
  "azure-native:dbforpostgresql:Server": {
    ...simple("Microsoft.DBforPostgreSQL", "flexibleServers", "serverName"),
    outputs: (i) => ({
      fullyQualifiedDomainName: `${str(i.serverName, "server")}.postgres.database.azure.com`,
    }),
  },
  "azure-native:dbforpostgresql:Database": {
    id: (i) =>
      arm(i, "Microsoft.DBforPostgreSQL", ["flexibleServers", "serverName"], ["databases", "databaseName"]),
    name: (i, n) => str(i.databaseName, n),
  },
  "azure-native:dbforpostgresql:Configuration": {
    id: (i) =>
      arm(
        i,
        "Microsoft.DBforPostgreSQL",
        ["flexibleServers", "serverName"],
        ["configurations", "configurationName"],
      ),
    name: (i, n) => str(i.configurationName, n),
  },
  "azure-native:dbforpostgresql:FirewallRule": {
    id: (i) =>
      arm(
        i,
        "Microsoft.DBforPostgreSQL",
        ["flexibleServers", "serverName"],
        ["firewallRules", "firewallRuleName"],
      ),
    name: (i, n) => str(i.firewallRuleName, n),
  },
  "azure-native:dbforpostgresql:Administrator": {
    id: (i) =>
      arm(i, "Microsoft.DBforPostgreSQL", ["flexibleServers", "serverName"], ["administrators", "objectId"]),
    name: (i, n) => str(i.objectId, n),
  },
  "azure-native:network:VirtualNetwork": simple("Microsoft.Network", "virtualNetworks", "virtualNetworkName"),
  "azure-native:network:Subnet": {
    id: (i) =>
      arm(i, "Microsoft.Network", ["virtualNetworks", "virtualNetworkName"], ["subnets", "subnetName"]),
    name: (i, n) => str(i.subnetName, n),
  },
  "azure-native:network:NetworkSecurityGroup": simple(
    "Microsoft.Network",
    "networkSecurityGroups",
    "networkSecurityGroupName",
  ),
  "azure-native:network:PrivateEndpoint": simple(
    "Microsoft.Network",
    "privateEndpoints",
    "privateEndpointName",
  ),
  "azure-native:network:PrivateDnsZoneGroup": {
    id: (i) =>
      arm(
        i,
        "Microsoft.Network",
        ["privateEndpoints", "privateEndpointName"],
        ["privateDnsZoneGroups", "privateDnsZoneGroupName"],
      ),
    name: (i, n) => str(i.privateDnsZoneGroupName, n),
  },
  "azure-native:network:PublicIPAddress": {
    ...simple("Microsoft.Network", "publicIPAddresses", "publicIpAddressName"),
    outputs: (_i, urn) => ({
      ipAddress: `20.${parseInt(token(urn, "ip1", 2), 16) % 200}.${parseInt(token(urn, "ip2", 2), 16)}.${1 + (parseInt(token(urn, "ip3", 2), 16) % 250)}`,
    }),
  },
  "azure-native:network:ApplicationGateway": simple(
    "Microsoft.Network",
    "applicationGateways",
    "applicationGatewayName",
  ),
  "azure-native:network:WebApplicationFirewallPolicy": simple(
    "Microsoft.Network",
    "ApplicationGatewayWebApplicationFirewallPolicies",
    "policyName",
  ),
  "azure-native:privatedns:PrivateZone": simple("Microsoft.Network", "privateDnsZones", "privateZoneName"),
  "azure-native:privatedns:VirtualNetworkLink": {
    id: (i) =>
      arm(
        i,
        "Microsoft.Network",
        ["privateDnsZones", "privateZoneName"],
        ["virtualNetworkLinks", "virtualNetworkLinkName"],
      ),
    name: (i, n) => str(i.virtualNetworkLinkName, n),
  },
  "azure-native:operationalinsights:Workspace": {
    ...simple("Microsoft.OperationalInsights", "workspaces", "workspaceName"),
    outputs: (_i, urn) => ({ customerId: placeholderUuid(urn, "customerId") }),
  },
  "azure-native:applicationinsights:Component": {
    ...simple("Microsoft.Insights", "components", "resourceName"),
    outputs: (_i, urn) => {
      const key = placeholderUuid(urn, "instrumentationKey");
      return {
        appId: placeholderUuid(urn, "appId"),
        instrumentationKey: key,
        connectionString: `InstrumentationKey=${key};IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/`,
      };
    },
  },
  "azure-native:monitor:DiagnosticSetting": {
    id: (i) =>
      `${str(i.resourceUri, "/")}/providers/Microsoft.Insights/diagnosticSettings/${str(i.name, "diag")}`,
    name: (i, n) => str(i.name, n),
  },
  "azure-native:monitor:ActionGroup": simple("Microsoft.Insights", "actionGroups", "actionGroupName"),
  "azure-native:eventgrid:SystemTopic": simple("Microsoft.EventGrid", "systemTopics", "systemTopicName"),
  "azure-native:eventgrid:SystemTopicEventSubscription": {
    id: (i) =>
      arm(
        i,
        "Microsoft.EventGrid",
        ["systemTopics", "systemTopicName"],
        ["eventSubscriptions", "eventSubscriptionName"],
      ),
    name: (i, n) => str(i.eventSubscriptionName, n),
  },
  "azure-native:monitor:ActivityLogAlert": simple(
    "Microsoft.Insights",
    "activityLogAlerts",
    "activityLogAlertName",
  ),
  "azure-native:monitor:ScheduledQueryRule": simple("Microsoft.Insights", "scheduledQueryRules", "ruleName"),
  "azure-native:app:ManagedEnvironment": {
    ...simple("Microsoft.App", "managedEnvironments", "environmentName"),
    outputs: (i, urn) => ({
      defaultDomain: acaDomain(str(i.environmentName, "env"), str(i.location, "westeurope")),
      staticIp: `10.${parseInt(token(urn, "ip", 2), 16) % 250}.0.${parseInt(token(urn, "ip2", 2), 16) % 250}`,
    }),
  },
  "azure-native:app:ContainerApp": {
    ...simple("Microsoft.App", "containerApps", "containerAppName"),
    outputs: (i, urn) => {
      // ACA's scheme: `<app>.<env domain>` with external ingress, `<app>.internal.<env domain>` without.
      const n = str(i.containerAppName, "app");
      const envId = str(i.environmentId ?? i.managedEnvironmentId, "env");
      const envName = envId.slice(envId.lastIndexOf("/") + 1);
      const domain = acaDomain(envName, str(i.location, "westeurope"));
      const config = (i.configuration ?? {}) as Inputs;
      const ingress = config.ingress as Inputs | undefined;
      const scope = ingress?.external ? "" : "internal.";
      const fqdn = ingress ? `${n}.${scope}${domain}` : undefined;
      return {
        latestRevisionFqdn: ingress ? `${n}--${token(urn, "rev", 7)}.${scope}${domain}` : "",
        outboundIpAddresses: [],
        configuration: { ...config, ...(ingress ? { ingress: { ...ingress, fqdn } } : {}) },
      };
    },
  },
  "azure-native:containerservice:ManagedCluster": MANAGED_CLUSTER_RULE,
  "azure-native:web:StaticSite": {
    ...simple("Microsoft.Web", "staticSites", "name"),
    outputs: (_i, urn) => ({
      defaultHostname: `calm-${token(urn, "host", 6)}-${token(urn, "host2", 8)}.5.azurestaticapps.net`,
    }),
  },
};

/** The default domain of a Container Apps environment, from its name (apps derive it from their environment id). */
function acaDomain(environmentName: string, location: string): string {
  const h = (p: string) => createHash("sha256").update(`aca:${environmentName}#${p}`).digest("hex");
  return `${h("a").slice(0, 8)}-${h("b").slice(0, 8)}.${location}.azurecontainerapps.io`;
}

/** A generic id for types without a rule: the provider namespace from the module, the name from `<x>Name`. */
function genericId(type: string, i: Inputs, name: string): string {
  const [, module, resource] = type.split(":");
  const nameKey = Object.keys(i).find((k) => k.endsWith("Name") && k !== "resourceGroupName");
  const n = nameKey ? str(i[nameKey], name) : name;
  const ns = `Microsoft.${module.charAt(0).toUpperCase()}${module.slice(1)}`;
  const t = `${resource.charAt(0).toLowerCase()}${resource.slice(1)}s`;
  return typeof i.scope === "string"
    ? `${i.scope}/providers/${ns}/${t}/${n}`
    : `${rgId(i)}/providers/${ns}/${t}/${n}`;
}

/** Placeholder id and state of an azure-native resource: its type's rule, else a generic ARM id. */
export function azurePlaceholder(
  type: string,
  name: string,
  urn: string,
  inputs: Inputs,
): { id: string; state: Outputs } {
  const rule = RULES[type];
  const id = rule ? rule.id(inputs, name) : genericId(type, inputs, name);
  const outputs = rule?.outputs?.(inputs, urn, name) ?? {};
  return { id, state: { ...inputs, name: rule?.name?.(inputs, name) ?? id.split("/").pop(), ...outputs } };
}
