import { byKey } from "../lib/text";
import * as pulumi from "@pulumi/pulumi";
import * as dbforpostgresql from "@pulumi/azure-native/dbforpostgresql";
import { ipRange } from "../lib/cidr";
import { deletionLock } from "./deletion-lock";

export interface PostgresServerArgs {
  /** The Azure name (`psql-engram-<env>[-platform]-<suffix>`). */
  serverName: string;
  resourceGroupName: pulumi.Input<string>;
  location: pulumi.Input<string>;
  tenantId: pulumi.Input<string>;
  /**
   * Accept password logins next to Entra ID. When on, `administratorLogin` and
   * `administratorPassword` are required. @default false
   */
  passwordAuth?: boolean;
  administratorLogin?: string;
  /** A secret Output (the rotated `postgres-password` vault secret). */
  administratorPassword?: pulumi.Output<string>;
  /** The Entra administrator (groups.dba). @default none */
  entraAdmin?: { objectId: string; principalName: string };
  /** Keep public network access (firewall rules for the allowlist only). @default false */
  publicNetworkAccess?: boolean;
  /** IPv4 addresses or CIDRs admitted by the firewall when public access is on. @default [] */
  allowedIpRanges?: string[];
  /**
   * Single egress addresses admitted when public access is on, keyed by a stable label (the
   * environment's NAT gateway IP, so its apps can connect). @default {}
   */
  egressIps?: Record<string, pulumi.Input<string>>;
  /** Databases to create. */
  databases: string[];
  /** @default { name: "Standard_B1ms", tier: "Burstable" } */
  sku?: { name: string; tier: "Burstable" | "GeneralPurpose" | "MemoryOptimized" };
  /** @default 7 */
  backupRetentionDays?: number;
  /**
   * Survive the loss of a zone and of the region (the matrix row `availability`): zone-redundant
   * high availability (primary in zone 1, standby in zone 2) and geo-redundant backup. Off, both
   * are requested off explicitly. Needs General Purpose or Memory Optimized compute (Burstable has
   * no high availability). @default false
   */
  availability?: boolean;
  /** @default 32 */
  storageSizeGB?: number;
  /** Pulumi `protect` and a CanNotDelete lock. @default true */
  protect?: boolean;
  tags: Record<string, string>;
}

/**
 * Server parameters set explicitly (Azure Policy sees only what the request carries): TLS 1.2+ only,
 * and checkpoints, connections and disconnections logged (Azure Policy 70be9e12, 086709ac,
 * 1d14b021; the server logs reach Log Analytics through the server's diagnostic setting).
 */
const SERVER_PARAMETERS: Record<string, string> = {
  require_secure_transport: "ON",
  ssl_min_protocol_version: "TLSv1.2",
  log_checkpoints: "ON",
  log_connections: "ON",
  log_disconnections: "ON",
};

/**
 * One PostgreSQL Flexible Server 16 (DESIGN.md §7): Entra ID authentication always on, password
 * authentication only when asked (the platform server for Zep/Temporal, or dev/test), an Entra
 * administrator resource (groups.dba), TLS enforced by `require_secure_transport`, public network
 * access disabled unless asked (then firewall rules for the allowlist only: never 0.0.0.0 or
 * "allow all Azure services").
 */
export class PostgresServer extends pulumi.ComponentResource {
  readonly id: pulumi.Output<string>;
  readonly name: pulumi.Output<string>;
  readonly fqdn: pulumi.Output<string>;
  readonly databases: string[];

  constructor(name: string, args: PostgresServerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("engram:data:PostgresServer", name, {}, opts);
    const passwordAuth = args.passwordAuth ?? false;
    const protect = args.protect ?? true;
    const availability = args.availability ?? false;
    const sku = args.sku ?? { name: "Standard_B1ms", tier: "Burstable" };
    if (availability && sku.tier === "Burstable")
      throw new Error(
        `Postgres server ${args.serverName}: zone-redundant high availability needs General Purpose or Memory Optimized compute, not ${sku.name} (Burstable)`,
      );
    if (passwordAuth && (!args.administratorLogin || !args.administratorPassword))
      throw new Error(
        `Postgres server ${args.serverName}: password auth needs administratorLogin and administratorPassword`,
      );

    const server = new dbforpostgresql.Server(`${name}-psql`, serverArgs(args), { parent: this, protect });
    if (protect) deletionLock(name, server, "The Postgres server", { parent: this });

    this.databases = [...args.databases];
    this.childWrites(name, args, server, protect);

    this.id = server.id;
    this.name = server.name;
    this.fqdn = server.fullyQualifiedDomainName;
    this.registerOutputs({ id: this.id, name: this.name, fqdn: this.fqdn, databases: this.databases });
  }

  /**
   * The server's child writes, chained (a flexible server accepts one management write at a
   * time): the Entra administrator, the server parameters, the firewall rules when public, the
   * databases.
   */
  private childWrites(
    name: string,
    args: PostgresServerArgs,
    server: dbforpostgresql.Server,
    protect: boolean,
  ): void {
    const isPublic = args.publicNetworkAccess ?? false;
    // A flexible server accepts one management write at a time: chain the child writes.
    let previous: pulumi.Resource = server;
    const after = () => ({ parent: this, dependsOn: [previous] });

    if (args.entraAdmin) {
      previous = new dbforpostgresql.Administrator(
        `${name}-entra-admin`,
        {
          serverName: server.name,
          resourceGroupName: args.resourceGroupName,
          objectId: args.entraAdmin.objectId,
          principalName: args.entraAdmin.principalName,
          principalType: "Group",
          tenantId: args.tenantId,
        },
        after(),
      );
    }

    for (const [parameter, value] of Object.entries(SERVER_PARAMETERS)) {
      previous = new dbforpostgresql.Configuration(
        `${name}-${parameter.replace(/_/g, "-")}`,
        {
          serverName: server.name,
          resourceGroupName: args.resourceGroupName,
          configurationName: parameter,
          value,
          source: "user-override",
        },
        after(),
      );
    }

    if (isPublic) {
      for (const [label, ip] of Object.entries(args.egressIps ?? {}).sort(byKey)) {
        previous = new dbforpostgresql.FirewallRule(
          `${name}-egress-${label}`,
          {
            serverName: server.name,
            resourceGroupName: args.resourceGroupName,
            firewallRuleName: `egress-${label}`,
            startIpAddress: ip,
            endIpAddress: ip,
          },
          after(),
        );
      }
      for (const cidr of [...new Set(args.allowedIpRanges ?? [])].sort()) {
        const { start, end } = ipRange(cidr);
        const ruleName = `allowlist-${cidr.replace(/[./]/g, "-")}`;
        previous = new dbforpostgresql.FirewallRule(
          `${name}-${ruleName}`,
          {
            serverName: server.name,
            resourceGroupName: args.resourceGroupName,
            firewallRuleName: ruleName,
            startIpAddress: start,
            endIpAddress: end,
          },
          after(),
        );
      }
    }

    for (const db of args.databases) {
      previous = new dbforpostgresql.Database(
        `${name}-${db.replace(/_/g, "-")}-db`,
        {
          serverName: server.name,
          resourceGroupName: args.resourceGroupName,
          databaseName: db,
          charset: "UTF8",
          collation: "en_US.utf8",
        },
        { ...after(), protect },
      );
    }
  }
}

/** The server's own settings: version, compute, zones and backup, authentication, network. */
function serverArgs(args: PostgresServerArgs): dbforpostgresql.ServerArgs {
  const passwordAuth = args.passwordAuth ?? false;
  const isPublic = args.publicNetworkAccess ?? false;
  const availability = args.availability ?? false;
  const sku = args.sku ?? { name: "Standard_B1ms", tier: "Burstable" };
  return {
    serverName: args.serverName,
    resourceGroupName: args.resourceGroupName,
    location: args.location,
    version: "16",
    sku,
    storage: { storageSizeGB: args.storageSizeGB ?? 32, autoGrow: "Enabled" },
    // Zones are pinned (primary 1, standby 2) so the request states where each node runs; both
    // are fixed at creation, and geo-redundant backup too (a change means restoring into a new
    // server). Off: no zone preference, high availability and geo-redundant backup stated off.
    ...(availability
      ? {
          availabilityZone: "1",
          highAvailability: { mode: "ZoneRedundant", standbyAvailabilityZone: "2" },
        }
      : { highAvailability: { mode: "Disabled" } }),
    backup: {
      backupRetentionDays: args.backupRetentionDays ?? 7,
      geoRedundantBackup: availability ? "Enabled" : "Disabled",
    },
    authConfig: {
      activeDirectoryAuth: "Enabled",
      passwordAuth: passwordAuth ? "Enabled" : "Disabled",
      tenantId: args.tenantId,
    },
    ...(passwordAuth
      ? {
          administratorLogin: args.administratorLogin,
          administratorLoginPassword: args.administratorPassword,
        }
      : {}),
    network: { publicNetworkAccess: isPublic ? "Enabled" : "Disabled" },
    tags: args.tags,
  };
}
