import { byKey } from "../lib/text";
import * as pulumi from "@pulumi/pulumi";
import * as storage from "@pulumi/azure-native/storage";
import { Environment } from "../lib/environments";
import { RoleName } from "../lib/roles";
import { deletionLock } from "./deletion-lock";
import { grant, Principal } from "./role-assignment";

export interface StorageArgs {
  /** The Azure name (`stengram<env><suffix>`). */
  accountName: string;
  resourceGroupName: pulumi.Input<string>;
  location: pulumi.Input<string>;
  /** The private container's name. @default "engram-data" */
  containerName?: string;
  /** Allow account keys and SAS signed with them (matrix: dev/test only). @default false */
  sharedKeyAccess?: boolean;
  /** Keep public network access (default-deny rules + allowlist). @default false */
  publicNetworkAccess?: boolean;
  /** IPv4 addresses or CIDRs admitted when public access is on. @default [] */
  allowedIpRanges?: string[];
  /** Subnets admitted when public access is on (service endpoint required). @default [] */
  allowedSubnetIds?: pulumi.Input<string>[];
  /** Blob and container soft delete plus versioning. @default true */
  dataProtection?: boolean;
  /** Geo-zone-redundant (GZRS) instead of zone-redundant (ZRS) storage: the matrix row `availability`. @default false */
  geoRedundant?: boolean;
  /** Soft-delete retention of blobs and containers when dataProtection is on. @default 14 */
  softDeleteDays?: number;
  /** Role grants on the container, keyed by principal label. @default {} */
  containerGrants?: Record<string, { principal: Principal; role: RoleName }>;
  subscriptionId: pulumi.Input<string>;
  environment: Environment;
  /** Pulumi `protect` and a CanNotDelete lock. @default true */
  protect?: boolean;
  tags: Record<string, string>;
}

/** The longest validity of a SAS token, `D.HH:MM:SS` (Azure Policy 7aa1c9d5: at most 7 days). */
export const SAS_EXPIRATION_PERIOD = "7.00:00:00";

/** Storage IP rules take an address or a range up to /30; a /32 is written as the bare address. */
const ipRule = (cidr: string) => ({
  iPAddressOrRange: cidr.endsWith("/32") ? cidr.slice(0, -3) : cidr,
  action: "Allow" as const,
});

/**
 * The environment's storage account (DESIGN.md §7): StorageV2, no public blob access, TLS 1.2,
 * HTTPS only, no cross-tenant replication, shared keys per the matrix, firewall default Deny,
 * public network access off in uat/staging/prod; infrastructure encryption and a 7-day SAS
 * expiration policy (Block) everywhere; blob/container soft delete and versioning in
 * uat/staging/prod; one private container with role grants at container scope.
 */
export class Storage extends pulumi.ComponentResource {
  readonly id: pulumi.Output<string>;
  readonly accountName: pulumi.Output<string>;
  readonly blobEndpoint: pulumi.Output<string>;
  readonly blobServiceId: pulumi.Output<string>;
  readonly containerId: pulumi.Output<string>;
  readonly containerName: string;
  readonly grants: Record<string, pulumi.Resource>;

  constructor(name: string, args: StorageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("engram:data:Storage", name, {}, opts);
    const isPublic = args.publicNetworkAccess ?? false;
    const protect = args.protect ?? true;
    const dataProtection = args.dataProtection ?? true;
    const sharedKey = args.sharedKeyAccess ?? false;

    const account = new storage.StorageAccount(
      `${name}-st`,
      {
        accountName: args.accountName,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        kind: "StorageV2",
        // Three zones in the region, plus a copy in the paired region when `availability` is on
        // (GZRS; it changes in place, no new account); ZRS alone otherwise.
        sku: { name: args.geoRedundant ? "Standard_GZRS" : "Standard_ZRS" },
        accessTier: "Hot",
        allowBlobPublicAccess: false,
        allowCrossTenantReplication: false,
        allowSharedKeyAccess: sharedKey,
        // The portal and tools use Entra ID first even where keys still exist (dev/test).
        defaultToOAuthAuthentication: true,
        minimumTlsVersion: "TLS1_2",
        enableHttpsTrafficOnly: true,
        isLocalUserEnabled: false,
        isSftpEnabled: false,
        // A second layer of platform-managed encryption at rest; Azure accepts it only when the
        // account is created (a change replaces the account). Customer-managed keys are a
        // documented departure (docs/sop-traceability.md), so the key source stays Microsoft's.
        encryption: {
          requireInfrastructureEncryption: true,
          keySource: "Microsoft.Storage",
          services: {
            blob: { enabled: true, keyType: "Account" },
            file: { enabled: true, keyType: "Account" },
          },
        },
        // No SAS valid for more than 7 days: a longer one is refused, not merely logged.
        sasPolicy: { sasExpirationPeriod: SAS_EXPIRATION_PERIOD, expirationAction: "Block" },
        publicNetworkAccess: isPublic ? "Enabled" : "Disabled",
        networkRuleSet: {
          defaultAction: "Deny",
          bypass: "AzureServices",
          ipRules: isPublic ? (args.allowedIpRanges ?? []).map(ipRule) : [],
          virtualNetworkRules: isPublic
            ? (args.allowedSubnetIds ?? []).map((id) => ({
                virtualNetworkResourceId: id,
                action: "Allow" as const,
              }))
            : [],
        },
        tags: args.tags,
      },
      { parent: this, protect },
    );
    if (protect) deletionLock(name, account, "The storage account", { parent: this });

    const days = args.softDeleteDays ?? 14;
    const blobService = new storage.BlobServiceProperties(
      `${name}-blob`,
      {
        accountName: account.name,
        resourceGroupName: args.resourceGroupName,
        blobServicesName: "default",
        deleteRetentionPolicy: dataProtection ? { enabled: true, days } : { enabled: false },
        containerDeleteRetentionPolicy: dataProtection ? { enabled: true, days } : { enabled: false },
        isVersioningEnabled: dataProtection,
      },
      { parent: this },
    );

    this.containerName = args.containerName ?? "engram-data";
    const container = new storage.BlobContainer(
      `${name}-container`,
      {
        accountName: account.name,
        resourceGroupName: args.resourceGroupName,
        containerName: this.containerName,
        publicAccess: "None",
      },
      { parent: this, dependsOn: [blobService] },
    );

    this.grants = {};
    for (const [label, g] of Object.entries(args.containerGrants ?? {}).sort(byKey)) {
      this.grants[label] = grant(
        {
          principal: g.principal,
          role: g.role,
          scope: { id: container.id, label: `st-container:${this.containerName}` },
          subscriptionId: args.subscriptionId,
          environment: args.environment,
        },
        { parent: this },
      );
    }

    this.id = account.id;
    this.accountName = account.name;
    this.blobEndpoint = account.primaryEndpoints.apply((e) => e.blob);
    this.blobServiceId = blobService.id;
    this.containerId = container.id;
    this.registerOutputs({
      id: this.id,
      accountName: this.accountName,
      blobEndpoint: this.blobEndpoint,
      blobServiceId: this.blobServiceId,
      containerId: this.containerId,
    });
  }
}
