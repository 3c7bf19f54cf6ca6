import * as pulumi from "@pulumi/pulumi";
import { PostgresServer } from "../../../components/postgres";
import { renderRoleSql } from "../../../lib/postgres-roles";
import { Context, Platform } from "../../context";
import { POSTGRES_HA_SKU } from "../../matrix";
import { ServiceIdentities } from "../identities";
import { NetworkLayer } from "../network";

export const DATABASES = {
  engram: "engram",
  zep: "zep",
  temporal: "temporal",
  temporalVisibility: "temporal_visibility",
} as const;

/** The password login of the platform server (Zep, Temporal; and backend/worker in dev/test). */
export const PLATFORM_LOGIN = "engram_platform";

export interface PostgresServers {
  /** The application server (database `engram`). */
  appServer: PostgresServer;
  /** The server of zep/temporal/temporal_visibility: appServer itself unless `split`. */
  platformServer: PostgresServer;
  /** Whether the platform databases have their own password server (the app server is Entra-only). */
  split: boolean;
}

const dbaPrincipalName = (ctx: Context) => `engram-${ctx.cfg.environment}-dba`;

/**
 * Postgres (DESIGN.md §7). The application server is Entra-only whenever the matrix turns password
 * auth off (always in uat/staging/prod); Zep and Temporal cannot use Entra, so they then get a
 * platform server, whose password is the vault secret `postgres-password`.
 */
export function buildPostgres(
  ctx: Context,
  platform: Platform,
  deps: { network: NetworkLayer; postgresPassword: pulumi.Output<string> },
): PostgresServers {
  const cfg = ctx.cfg;
  const d = cfg.decisions;
  const appPasswordAuth = d.postgresPasswordAuth.value;
  const split = !appPasswordAuth;
  const serverCommon = {
    resourceGroupName: platform.resourceGroupName,
    location: platform.location,
    tags: ctx.tags,
    tenantId: platform.tenantId,
    entraAdmin: cfg.groups.dba
      ? { objectId: cfg.groups.dba, principalName: dbaPrincipalName(ctx) }
      : undefined,
    publicNetworkAccess: !d.privateEndpoints.value,
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
      ? { administratorLogin: PLATFORM_LOGIN, administratorPassword: deps.postgresPassword }
      : {}),
    databases: split ? [DATABASES.engram] : [DATABASES.engram, ...platformDatabases],
  });
  const platformServer = split
    ? new PostgresServer("psql-platform", {
        ...serverCommon,
        serverName: ctx.name("postgresServer", "platform"),
        passwordAuth: true,
        administratorLogin: PLATFORM_LOGIN,
        administratorPassword: deps.postgresPassword,
        databases: platformDatabases,
      })
    : appServer;
  return { appServer, platformServer, split };
}

/** Idempotent SQL for the DBA creating app_rw / analytics_ro / admin (no credentials). */
export function postgresRoleSql(
  ctx: Context,
  appServer: PostgresServer,
  identities: ServiceIdentities,
): pulumi.Output<string> {
  const cfg = ctx.cfg;
  const appLogins = {
    backend: ctx.name("userAssignedIdentity", "backend"),
    worker: ctx.name("userAssignedIdentity", "worker"),
  };
  const dataGroupLogin = `engram-${cfg.environment}-data`;
  return pulumi
    .all([appServer.fqdn, identities.backend.principalId, identities.worker.principalId])
    .apply(([appHost, backendOid, workerOid]) =>
      renderRoleSql({
        environment: cfg.environment,
        appHost,
        database: DATABASES.engram,
        appReadWrite: [
          { roleName: appLogins.backend, objectId: backendOid, objectType: "service" },
          { roleName: appLogins.worker, objectId: workerOid, objectType: "service" },
        ],
        analyticsReadOnly: cfg.groups.data
          ? [{ roleName: dataGroupLogin, objectId: cfg.groups.data, objectType: "group" }]
          : [],
        adminRoleName: cfg.groups.dba ? dbaPrincipalName(ctx) : undefined,
      }),
    );
}
