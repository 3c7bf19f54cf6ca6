import type { ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { Environment, isHigher, STATEFUL_TYPES, Props, obj, list, show, forType } from "./common";

/**
 * The stateful resources: Key Vault, Storage, Postgres (servers, TLS), local auth, protect, and
 * private endpoints.
 * Part of the pack that policies.ts assembles.
 */

export function keyVault(env: Environment): ResourceValidationPolicy {
  return {
    name: "key-vault",
    description:
      "Key Vault: RBAC authorization, soft delete; purge protection and no public network access in uat, staging and prod.",
    enforcementLevel: "mandatory",
    validateResource: forType("azure-native:keyvault:Vault", (p, _args, report) => {
      const v = obj(p.properties);
      if (v.enableRbacAuthorization !== true)
        report(
          `enableRbacAuthorization is ${show(v.enableRbacAuthorization)}, must be true (SOP 000 Identity Principles: RBAC everywhere)`,
        );
      if (list(v.accessPolicies).length > 0)
        report(
          `has ${list(v.accessPolicies).length} access policies; access is by RBAC only (SOP 000 Identity Principles)`,
        );
      if (v.enableSoftDelete === false)
        report(
          "enableSoftDelete is false (SOP 000 Secrets & Key Management: enable soft-delete + purge protection)",
        );
      if (isHigher(env) && v.enablePurgeProtection !== true)
        report(
          `enablePurgeProtection is ${show(v.enablePurgeProtection)} in ${env}, must be true (SOP 000 Secrets & Key Management: enable soft-delete + purge protection)`,
        );
      if (isHigher(env) && v.publicNetworkAccess !== "Disabled")
        report(
          `publicNetworkAccess is ${show(v.publicNetworkAccess)} in ${env}, must be "Disabled" (SOP 000 Network Controls: private endpoints for Key Vault)`,
        );
    }),
  };
}

export function storageAccount(env: Environment): ResourceValidationPolicy {
  return {
    name: "storage-account",
    description:
      "Storage: no public blobs or containers, TLS 1.2, HTTPS only; no shared keys and no public network access in uat, staging and prod.",
    enforcementLevel: "mandatory",
    validateResource: [
      forType("azure-native:storage:StorageAccount", (p, _args, report) => {
        if (p.allowBlobPublicAccess !== false)
          report(
            `allowBlobPublicAccess is ${show(p.allowBlobPublicAccess)}, must be false (SOP 000 Validation Checklist: Storage, no public containers)`,
          );
        if (p.minimumTlsVersion !== "TLS1_2")
          report(
            `minimumTlsVersion is ${show(p.minimumTlsVersion)}, must be "TLS1_2" (SOP 000 Identity Principles: strong transport, TLS everywhere)`,
          );
        // azure-native names ARM's supportsHttpsTrafficOnly enableHttpsTrafficOnly.
        if (p.enableHttpsTrafficOnly !== true)
          report(
            `enableHttpsTrafficOnly is ${show(p.enableHttpsTrafficOnly)}, must be true (SOP 000 Identity Principles: HTTPS/TLS everywhere)`,
          );
        if (isHigher(env) && p.allowSharedKeyAccess !== false)
          report(
            `allowSharedKeyAccess is ${show(p.allowSharedKeyAccess)} in ${env}, must be false (SOP 000 Environment Matrix: MI required, keys only in lower envs)`,
          );
        if (isHigher(env) && p.publicNetworkAccess !== "Disabled")
          report(
            `publicNetworkAccess is ${show(p.publicNetworkAccess)} in ${env}, must be "Disabled" (SOP 000 Network Controls: private endpoints for Storage)`,
          );
      }),
      forType("azure-native:storage:BlobContainer", (p, _args, report) => {
        if (p.publicAccess !== undefined && p.publicAccess !== "None")
          report(
            `publicAccess is ${show(p.publicAccess)}, must be "None" (SOP 000 Validation Checklist: Storage, no public containers)`,
          );
      }),
    ],
  };
}

/** The platform server (Zep, Temporal: no Entra login) is named `...-platform-...`; the rest is the application's. */
export const isPlatformServer = (p: Props) => /-platform-/.test(String(p.serverName ?? p.name ?? ""));

export function postgresServer(env: Environment): ResourceValidationPolicy {
  return {
    name: "postgres-server",
    description:
      "Postgres: Entra auth on, no firewall rule open to all of Azure; in uat, staging and prod no public network access, no firewall rule and no password auth on the application server.",
    enforcementLevel: "mandatory",
    validateResource: [
      forType("azure-native:dbforpostgresql:Server", (p, _args, report) => {
        const auth = obj(p.authConfig);
        if (auth.activeDirectoryAuth !== "Enabled")
          report(
            `authConfig.activeDirectoryAuth is ${show(auth.activeDirectoryAuth)}, must be "Enabled" (SOP 000 Validation Checklist: Postgres, MI-based connection)`,
          );
        if (isHigher(env) && !isPlatformServer(p) && auth.passwordAuth !== "Disabled")
          report(
            `authConfig.passwordAuth is ${show(auth.passwordAuth)} on the application server in ${env}, must be "Disabled" (SOP 000 Validation Checklist: password auth disabled)`,
          );
        if (isHigher(env) && obj(p.network).publicNetworkAccess !== "Disabled")
          report(
            `network.publicNetworkAccess is ${show(obj(p.network).publicNetworkAccess)} in ${env}, must be "Disabled" (SOP 000 Network Controls: private endpoints for Postgres)`,
          );
      }),
      forType("azure-native:dbforpostgresql:FirewallRule", (p, _args, report) => {
        const range = `${String(p.startIpAddress)}-${String(p.endIpAddress)}`;
        if (isHigher(env))
          report(
            `firewall rule ${range} in ${env}: the server is reached only through its private endpoint (SOP 000 Network Controls: private endpoints for Postgres)`,
          );
        else if (p.startIpAddress === "0.0.0.0")
          report(
            `firewall rule ${range} opens the server to all of Azure or the internet (SOP 000 Network Policy: lower env public only where necessary, restricted by IP allowlists)`,
          );
      }),
    ],
  };
}

export function noLocalAuth(env: Environment): ResourceValidationPolicy {
  const sop =
    "(SOP 000 Environment Matrix: MI required in uat/staging, MI only in prod; keys only in lower envs)";
  return {
    name: "no-local-auth",
    description:
      "In uat, staging and prod Application Insights and Log Analytics accept Entra (managed identity) only.",
    enforcementLevel: "mandatory",
    validateResource: [
      forType("azure-native:applicationinsights:Component", (p, _args, report) => {
        if (isHigher(env) && p.disableLocalAuth !== true)
          report(`disableLocalAuth is ${show(p.disableLocalAuth)} in ${env}, must be true ${sop}`);
      }),
      forType("azure-native:operationalinsights:Workspace", (p, _args, report) => {
        const v = obj(p.features).disableLocalAuth;
        if (isHigher(env) && v !== true)
          report(`features.disableLocalAuth is ${show(v)} in ${env}, must be true ${sop}`);
      }),
    ],
  };
}

export function protectStateful(env: Environment): ResourceValidationPolicy {
  return {
    name: "protect-stateful",
    description:
      "Stateful resources (vault, storage, Postgres, logs) carry Pulumi protect in uat, staging and prod.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
      if (isHigher(env) && STATEFUL_TYPES.includes(args.type) && args.opts.protect !== true)
        report(
          `${args.type} holds state and is not protected in ${env} (SOP 000 Change Control: no ad-hoc changes in prod)`,
        );
    },
  };
}

/** The Azure type and name segment a private endpoint's privateLinkServiceId ends with, per resource type. */
export const PRIVATE_LINK_TARGETS: Record<string, { segment: string; nameProp: string }> = {
  "azure-native:keyvault:Vault": { segment: "vaults", nameProp: "vaultName" },
  "azure-native:storage:StorageAccount": { segment: "storageAccounts", nameProp: "accountName" },
  "azure-native:dbforpostgresql:Server": { segment: "flexibleServers", nameProp: "serverName" },
};

export function privateEndpoints(env: Environment): StackValidationPolicy {
  return {
    name: "private-endpoints",
    description:
      "In uat, staging and prod every Key Vault, Storage account and Postgres server has a private endpoint.",
    enforcementLevel: "mandatory",
    validateStack: (args: StackValidationArgs, report) => {
      if (!isHigher(env)) return;
      const linked = new Set(
        args.resources
          .filter((r) => r.type === "azure-native:network:PrivateEndpoint")
          .flatMap((r) => list(r.props.privateLinkServiceConnections).map((c) => obj(c).privateLinkServiceId))
          .map((id) => String(id).split("/").slice(-2).join("/").toLowerCase()),
      );
      for (const r of args.resources) {
        const target = PRIVATE_LINK_TARGETS[r.type];
        if (!target) continue;
        const name = String(r.props[target.nameProp] ?? r.props.name ?? "");
        if (!linked.has(`${target.segment}/${name}`.toLowerCase()))
          report(
            `${r.name} (${r.type}) has no private endpoint in ${env} (SOP 000 Network Controls: private endpoints for Postgres, Storage, Key Vault)`,
            r.urn,
          );
      }
    },
  };
}

/** Postgres server parameters that keep transport encrypted, with the values they must have. */
export const POSTGRES_TLS_PARAMETERS: Record<string, readonly string[]> = {
  require_secure_transport: ["on"],
  ssl_min_protocol_version: ["tlsv1.2", "tlsv1.3"],
};

export function postgresTls(): ResourceValidationPolicy {
  return {
    name: "postgres-tls",
    description:
      "Every Postgres server requires TLS, 1.2 or later (SOP 000 Identity Principles: TLS everywhere).",
    enforcementLevel: "mandatory",
    validateResource: forType("azure-native:dbforpostgresql:Configuration", (p, _args, report) => {
      const allowed = POSTGRES_TLS_PARAMETERS[String(p.configurationName)];
      if (allowed && !allowed.includes(String(p.value).toLowerCase()))
        report(
          `${String(p.configurationName)} is ${show(p.value)}, must be ${allowed.map((v) => JSON.stringify(v)).join(" or ")} (SOP 000 Identity Principles: TLS everywhere)`,
        );
    }),
  };
}
