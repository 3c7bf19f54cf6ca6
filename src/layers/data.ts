import * as pulumi from "@pulumi/pulumi";
import { KeyVault } from "../../components/key-vault";
import { PostgresServer } from "../../components/postgres";
import { PrivateEndpoints, PrivateEndpointSpec } from "../../components/private-endpoint";
import { grant, groupPrincipal, Principal } from "../../components/role-assignment";
import { Storage } from "../../components/storage";
import { VaultExpiryAlerts } from "../../components/vault-expiry-alerts";
import { VaultSecret, VaultSecretValue } from "../../components/vault-secret";
import { Context, Platform } from "../context";
import { POSTGRES_HA_SKU } from "../matrix";
import { renderRoleSql } from "../../lib/postgres-roles";
import { VAULT_EXPIRY_ALERTS } from "../observability/alerts";
import {
  SERVICE_NAMES,
  ServiceName,
  VAULT_SECRETS,
  VaultSecretName,
  VaultSecretSpec,
  vaultSecretsFor,
} from "../services";
import { ServiceIdentities } from "./identities";
import { NetworkLayer } from "./network";
import type { DataDiagnosticTargets, Monitoring } from "./observability";

/**
 * The data layer (DESIGN.md §3, §6, §7): Key Vault with every secret and its per-secret grants,
 * Storage, Postgres and their private endpoints. This interface is what the runtime layer
 * (Container Apps) and the observability layer (diagnostic settings) code against.
 */

/**
 * A reader of an added secret that is not one of the four services of src/services.ts, e.g. the
 * Temporal UI's own identity (created by the runtime layer) reading its mTLS client certificate.
 */
export interface ExtraSecretReader {
  /** Key of its grants in `AddedVaultSecret.grants`; equals `principal.label`, never a ServiceName. */
  label: string;
  principal: Principal;
}

/** Who reads an added secret: a service (its identity from the identities layer) or another principal. */
export type SecretReader = ServiceName | ExtraSecretReader;

/** A secret another layer adds to the vault (e.g. the Temporal mTLS certificates). */
export interface ExtraVaultSecret {
  /** The secret value; must already be a secret Output (`pulumi.secret(...)`). */
  value: pulumi.Output<string>;
  /** What the value is (`application/x-pem-file`, `text/plain`...). */
  contentType: string;
  /** Expiry, Unix seconds (from a time resource, never Date.now()). @default none */
  expires?: pulumi.Input<number>;
  /** The services (or other principals) that get Key Vault Secrets User on this one secret. */
  readers: readonly SecretReader[];
  /** Tags describing its source and rotation, merged over the environment tags. @default {} */
  tags?: Record<string, string>;
}

export interface AddedVaultSecret {
  /** Versionless secret URL (`<vaultUri>secrets/<name>`), for Container App `keyVaultUrl`. */
  secretUrl: pulumi.Output<string>;
  /**
   * The Key Vault Secrets User assignments of this one secret, per reader: every service (empty
   * when it is no reader) and each extra reader by its label.
   */
  grants: Record<ServiceName, pulumi.Resource[]> & Partial<Record<string, pulumi.Resource[]>>;
}

export interface PostgresEndpoints {
  /** FQDN of the application server (database `engram`; Entra-only in uat/staging/prod). */
  appHost: pulumi.Output<string>;
  /** FQDN of the server holding zep/temporal/temporal_visibility (the same server in dev/test). */
  platformHost: pulumi.Output<string>;
  /** Database names, by purpose. `engram` is on appHost; the others on platformHost. */
  databases: { engram: string; zep: string; temporal: string; temporalVisibility: string };
  /** The password-auth login of the platform server (its password is vault secret `postgres-password`). */
  platformLogin: string;
}

export interface DataLayer {
  vaultName: pulumi.Output<string>;
  /** `https://<name>.vault.azure.net/` (with the trailing slash). */
  vaultUri: pulumi.Output<string>;
  /** Versionless URL of a vault secret: `${vaultUri}secrets/<name>` (always the current version). */
  secretUrl(name: string): pulumi.Output<string>;
  /** ARM id of a vault secret: `${vaultId}/secrets/<name>`. */
  secretId(name: string): pulumi.Output<string>;
  /**
   * Each service's Key Vault Secrets User assignments (one per secret it reads). A Container App
   * `dependsOn` exactly its own list. `addSecret` appends to these lists, so call it before
   * reading them.
   */
  secretGrants: Record<ServiceName, pulumi.Resource[]>;
  /** Generated secrets: when the current value was generated (changes on every rotation). */
  secretRotations: Record<string, pulumi.Output<string>>;
  /** Adds a vault secret with per-secret grants for its readers. */
  addSecret(name: string, spec: ExtraVaultSecret): AddedVaultSecret;
  postgres: PostgresEndpoints;
  storage: { accountName: pulumi.Output<string> };
  /** Resource ids for the observability layer's diagnostic settings (this layer creates none). */
  diagnosticTargets: DataDiagnosticTargets;
  /** Idempotent SQL for the DBA creating app_rw / analytics_ro / admin (no credentials). */
  postgresRoleSql: pulumi.Output<string>;
}

export const DATABASES = {
  engram: "engram",
  zep: "zep",
  temporal: "temporal",
  temporalVisibility: "temporal_visibility",
} as const;

/** The password login of the platform server (Zep, Temporal; and backend/worker in dev/test). */
export const PLATFORM_LOGIN = "engram_platform";

const SECRET_NAME = /^[0-9a-zA-Z-]{1,127}$/;

const emptyGrants = (): Record<ServiceName, pulumi.Resource[]> =>
  Object.fromEntries(SERVICE_NAMES.map((s) => [s, [] as pulumi.Resource[]])) as Record<
    ServiceName,
    pulumi.Resource[]
  >;

/**
 * Key Vault with every secret of DESIGN.md §3 and their per-secret grants, the vault's expiry
 * alerts where alerts are on, Storage, Postgres (DESIGN.md §7) and, where the matrix says so,
 * private endpoints for all three (§6).
 */
export function buildData(
  ctx: Context,
  platform: Platform,
  deps: {
    identities: ServiceIdentities;
    network: NetworkLayer;
    monitoring: Pick<Monitoring, "actionGroupId">;
  },
): DataLayer {
  const cfg = ctx.cfg;
  const env = cfg.environment;
  const d = cfg.decisions;
  const isPublic = !d.privateEndpoints.value;
  const aca = deps.network.subnets.aca;
  const common = {
    resourceGroupName: platform.resourceGroupName,
    location: platform.location,
    tags: ctx.tags,
  };
  const granting = { subscriptionId: platform.subscriptionId, environment: env };

  // ---- Key Vault ------------------------------------------------------------------------------
  const vault = new KeyVault("kv", {
    ...common,
    vaultName: ctx.name("keyVault"),
    tenantId: platform.tenantId,
    softDeleteRetentionDays: d.keyVaultRetentionDays.value,
    purgeProtection: d.purgeProtection.value,
    publicNetworkAccess: isPublic,
    allowedIpRanges: cfg.adminIpAllowlist,
    allowedSubnetIds: [aca.id],
    protect: ctx.protect,
  });
  if (cfg.groups.security)
    grant(
      {
        principal: groupPrincipal("security", cfg.groups.security),
        role: "Key Vault Reader",
        scope: { id: vault.id, label: "kv" },
        ...granting,
      },
      { parent: vault },
    );

  // ---- Expiry alerts (where alerts are on) ----------------------------------------------------
  // Before any secret: Key Vault raises expiry events only for versions written after this exists.
  const expiryAlerts = cfg.decisions.alerts.value
    ? new VaultExpiryAlerts("kv-expiry-alerts", {
        ...common,
        vaultId: vault.id,
        topicName: ctx.name("eventGridSystemTopic", "kv"),
        actionGroupId: deps.monitoring.actionGroupId,
        alerts: Object.fromEntries(
          Object.values(VAULT_EXPIRY_ALERTS).map((a) => [
            a.key,
            {
              subscriptionName: ctx.name("eventGridSubscription", a.key),
              eventTypes: a.eventTypes,
              severity: a.severity,
              description: a.action,
            },
          ]),
        ),
      })
    : undefined;

  // ---- Secrets and per-secret grants ----------------------------------------------------------
  const secrets: Record<string, VaultSecret> = {};
  const secretGrants = emptyGrants();

  const addVaultSecret = (
    secretName: string,
    value: VaultSecretValue,
    contentType: string,
    source: string,
    secretReaders: readonly SecretReader[],
    tags: Record<string, string> = {},
  ): VaultSecret => {
    const resolved = secretReaders.map((r) =>
      typeof r === "string" ? { label: r, principal: deps.identities[r].principal } : r,
    );
    const s = new VaultSecret(`secret-${secretName}`, {
      vaultName: vault.name,
      resourceGroupName: platform.resourceGroupName,
      secretName,
      value,
      contentType,
      source,
      readers: Object.fromEntries(resolved.map((r) => [r.label, r.principal])),
      ...granting,
      tags: { ...ctx.tags, ...tags },
      after: expiryAlerts ? [expiryAlerts] : [],
    });
    secrets[secretName] = s;
    for (const r of secretReaders) if (typeof r === "string") secretGrants[r].push(s.grants[r]);
    return s;
  };

  for (const name of vaultSecretsFor(cfg.secretsPresent)) {
    const spec: VaultSecretSpec = VAULT_SECRETS[name];
    // The readers come from the one table the Container Apps mount their secretRefs from.
    const readers = spec.readers(cfg.decisions);
    const secretReaders = SERVICE_NAMES.filter((s) => readers.includes(s));
    if (spec.source.kind === "generated") {
      addVaultSecret(
        name,
        { kind: "generated", rotationDays: d[spec.source.rotationSetting].value },
        `text/plain; ${spec.description}`,
        "generated",
        secretReaders,
      );
    } else {
      const value = cfg.secrets[spec.source.key];
      if (!value) throw new Error(`vault secret ${name}: engram:${spec.source.key} has no value`);
      addVaultSecret(
        name,
        { kind: "provided", value, expiryDays: d.secretExpiryDays.value },
        `text/plain; ${spec.description}`,
        `config:${spec.source.key}`,
        secretReaders,
      );
    }
  }
  const postgresPassword = secrets["postgres-password" satisfies VaultSecretName].value;

  // ---- Storage --------------------------------------------------------------------------------
  const store = new Storage("storage", {
    ...common,
    accountName: ctx.name("storageAccount"),
    sharedKeyAccess: d.sharedKeyAccess.value,
    publicNetworkAccess: isPublic,
    allowedIpRanges: cfg.adminIpAllowlist,
    allowedSubnetIds: [aca.id],
    dataProtection: cfg.fixed.blobDataProtection,
    geoRedundant: d.availability.value,
    softDeleteDays: 14,
    containerGrants: {
      backend: { principal: deps.identities.backend.principal, role: "Storage Blob Data Contributor" },
      worker: { principal: deps.identities.worker.principal, role: "Storage Blob Data Contributor" },
      ...(cfg.groups.data
        ? {
            "group:data": {
              principal: groupPrincipal("data", cfg.groups.data),
              role: "Storage Blob Data Reader",
            },
          }
        : {}),
    },
    ...granting,
    protect: ctx.protect,
  });

  // ---- Postgres -------------------------------------------------------------------------------
  // The application server is Entra-only whenever the matrix turns password auth off (always in
  // uat/staging/prod); Zep and Temporal cannot use Entra, so they then get a platform server.
  const appPasswordAuth = d.postgresPasswordAuth.value;
  const split = !appPasswordAuth;
  const dbaPrincipalName = `engram-${env}-dba`;
  const serverCommon = {
    ...common,
    tenantId: platform.tenantId,
    entraAdmin: cfg.groups.dba ? { objectId: cfg.groups.dba, principalName: dbaPrincipalName } : undefined,
    publicNetworkAccess: isPublic,
    allowedIpRanges: cfg.adminIpAllowlist,
    // Postgres firewalls have no VNet rules: where the server is public (dev/test) the apps reach
    // it from the environment's NAT egress address.
    egressIps: { "aca-nat": deps.network.egressIp },
    // The availability row (zone-redundant HA, geo-redundant backup) on both servers; HA needs
    // General Purpose compute, so a lower environment that turns it on leaves Burstable.
    availability: d.availability.value,
    sku:
      d.availability.value && cfg.fixed.postgres.sku.tier === "Burstable"
        ? POSTGRES_HA_SKU
        : cfg.fixed.postgres.sku,
    backupRetentionDays: cfg.fixed.postgres.backupRetentionDays,
    protect: ctx.protect,
  };
  const platformDatabases = [DATABASES.zep, DATABASES.temporal, DATABASES.temporalVisibility];
  const appServer = new PostgresServer("psql", {
    ...serverCommon,
    serverName: ctx.name("postgresServer"),
    passwordAuth: appPasswordAuth,
    ...(appPasswordAuth
      ? { administratorLogin: PLATFORM_LOGIN, administratorPassword: postgresPassword }
      : {}),
    databases: split ? [DATABASES.engram] : [DATABASES.engram, ...platformDatabases],
  });
  const platformServer = split
    ? new PostgresServer("psql-platform", {
        ...serverCommon,
        serverName: ctx.name("postgresServer", "platform"),
        passwordAuth: true,
        administratorLogin: PLATFORM_LOGIN,
        administratorPassword: postgresPassword,
        databases: platformDatabases,
      })
    : appServer;

  // ---- Private endpoints ----------------------------------------------------------------------
  if (d.privateEndpoints.value) {
    const endpoints: Record<string, PrivateEndpointSpec> = {
      vault: { endpointName: ctx.name("privateEndpoint", "kv"), targetId: vault.id, groupId: "vault" },
      blob: { endpointName: ctx.name("privateEndpoint", "st-blob"), targetId: store.id, groupId: "blob" },
      "psql-app": {
        endpointName: ctx.name("privateEndpoint", "psql"),
        targetId: appServer.id,
        groupId: "postgresqlServer",
      },
    };
    if (split)
      endpoints["psql-platform"] = {
        endpointName: ctx.name("privateEndpoint", "psql-platform"),
        targetId: platformServer.id,
        groupId: "postgresqlServer",
      };
    new PrivateEndpoints("private-endpoints", {
      ...common,
      subnetId: deps.network.subnets.privateEndpoints.id,
      vnetId: deps.network.vnetId,
      endpoints,
      linkName: (groupId) => ctx.name("privateDnsZoneLink", groupId.toLowerCase()),
    });
  }

  // ---- Role SQL for the DBA ---------------------------------------------------------------------
  const appLogins = {
    backend: ctx.name("userAssignedIdentity", "backend"),
    worker: ctx.name("userAssignedIdentity", "worker"),
  };
  const dataGroupLogin = `engram-${env}-data`;
  const postgresRoleSql = pulumi
    .all([appServer.fqdn, deps.identities.backend.principalId, deps.identities.worker.principalId])
    .apply(([appHost, backendOid, workerOid]) =>
      renderRoleSql({
        environment: env,
        appHost,
        database: DATABASES.engram,
        appReadWrite: [
          { roleName: appLogins.backend, objectId: backendOid, objectType: "service" },
          { roleName: appLogins.worker, objectId: workerOid, objectType: "service" },
        ],
        analyticsReadOnly: cfg.groups.data
          ? [{ roleName: dataGroupLogin, objectId: cfg.groups.data, objectType: "group" }]
          : [],
        adminRoleName: cfg.groups.dba ? dbaPrincipalName : undefined,
      }),
    );

  const secretUrl = (name: string) => pulumi.interpolate`${vault.vaultUri}secrets/${name}`;
  return {
    vaultName: vault.name,
    vaultUri: vault.vaultUri,
    secretUrl,
    secretId: (name) => pulumi.interpolate`${vault.id}/secrets/${name}`,
    secretGrants,
    secretRotations: Object.fromEntries(
      Object.entries(secrets).flatMap(([n, v]) => (v.rotatedAt ? [[n, v.rotatedAt]] : [])),
    ),
    addSecret(name, spec) {
      if (!SECRET_NAME.test(name))
        throw new Error(`vault secret name "${name}" is not valid: 1-127 letters, digits and hyphens`);
      if (secrets[name] || name in VAULT_SECRETS)
        throw new Error(`vault secret ${name} already exists in the ${env} vault (DESIGN.md §3)`);
      const labels = spec.readers.map((r) => (typeof r === "string" ? r : r.label));
      for (const r of spec.readers) {
        if (typeof r === "string") continue;
        // A service's label would mix this principal's grants into that service's list.
        if ((SERVICE_NAMES as readonly string[]).includes(r.label) || r.label !== r.principal.label)
          throw new Error(
            `vault secret ${name}: extra reader "${r.label}" needs its own label (its principal's, not a service name)`,
          );
      }
      if (new Set(labels).size !== labels.length)
        throw new Error(`vault secret ${name}: a reader is listed twice (${labels.join(", ")})`);
      const s = addVaultSecret(
        name,
        { kind: "external", value: spec.value, expires: spec.expires },
        spec.contentType,
        // The caller's `source` tag (e.g. generated:temporal-mtls) is the secret's source.
        spec.tags?.source ?? "generated",
        spec.readers,
        spec.tags,
      );
      const grants: AddedVaultSecret["grants"] = emptyGrants();
      for (const label of labels) (grants[label] ??= []).push(s.grants[label]);
      return { secretUrl: secretUrl(name), grants };
    },
    postgres: {
      appHost: appServer.fqdn,
      platformHost: platformServer.fqdn,
      databases: { ...DATABASES },
      platformLogin: PLATFORM_LOGIN,
    },
    storage: { accountName: store.accountName },
    diagnosticTargets: {
      keyVaultId: vault.id,
      storageAccountId: store.id,
      blobServiceId: store.blobServiceId,
      postgresServerIds: split ? { app: appServer.id, platform: platformServer.id } : { app: appServer.id },
    },
    postgresRoleSql,
  };
}
