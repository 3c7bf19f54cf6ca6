import * as pulumi from "@pulumi/pulumi";
import * as keyvault from "@pulumi/azure-native/keyvault";
import { deletionLock } from "./deletion-lock";

export interface KeyVaultArgs {
  /** The Azure name (`kv-engram-<env>-<suffix>`). */
  vaultName: string;
  resourceGroupName: pulumi.Input<string>;
  location: pulumi.Input<string>;
  tenantId: pulumi.Input<string>;
  /** Soft-delete retention, 7-90 days (matrix). @default 90 */
  softDeleteRetentionDays?: number;
  /**
   * Purge protection (matrix: on in uat/staging/prod). Irreversible once on, and it blocks reusing
   * the vault name for the whole retention period after a delete, which is why dev/test leave it
   * off by default. @default true
   */
  purgeProtection?: boolean;
  /**
   * Keep public network access (default-deny ACL + allowlist) instead of private-endpoint only.
   * @default false
   */
  publicNetworkAccess?: boolean;
  /** IPv4 addresses or CIDRs admitted by the firewall when public access is on. @default [] */
  allowedIpRanges?: string[];
  /** Subnets admitted by the firewall when public access is on (service endpoint required). @default [] */
  allowedSubnetIds?: pulumi.Input<string>[];
  /** Pulumi `protect` and a CanNotDelete lock. @default true */
  protect?: boolean;
  tags: Record<string, string>;
}

/**
 * The environment's Key Vault (DESIGN.md §3): RBAC authorization (no access policies), soft delete
 * with the matrix retention, purge protection per the matrix, firewall default Deny with the
 * AzureServices bypass, public network access disabled in uat/staging/prod (private endpoint
 * only), allowlist + ACA subnet in dev/test. Every security property is set explicitly: an Azure
 * Policy assignment in Deny mode sees only what the request carries.
 */
export class KeyVault extends pulumi.ComponentResource {
  readonly id: pulumi.Output<string>;
  readonly name: pulumi.Output<string>;
  /** `https://<name>.vault.azure.net/` */
  readonly vaultUri: pulumi.Output<string>;

  constructor(name: string, args: KeyVaultArgs, opts?: pulumi.ComponentResourceOptions) {
    super("engram:security:KeyVault", name, {}, opts);
    const isPublic = args.publicNetworkAccess ?? false;
    const protect = args.protect ?? true;
    const vault = new keyvault.Vault(
      `${name}-kv`,
      {
        vaultName: args.vaultName,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        properties: {
          tenantId: args.tenantId,
          sku: { family: "A", name: "standard" },
          enableRbacAuthorization: true,
          accessPolicies: [],
          enableSoftDelete: true,
          softDeleteRetentionInDays: args.softDeleteRetentionDays ?? 90,
          // Azure refuses `enablePurgeProtection: false` ("cannot be set to false"): once on it can
          // never be turned off, so "off" is expressed by leaving the property out.
          ...((args.purgeProtection ?? true) ? { enablePurgeProtection: true } : {}),
          enabledForDeployment: false,
          enabledForDiskEncryption: false,
          enabledForTemplateDeployment: false,
          publicNetworkAccess: isPublic ? "Enabled" : "Disabled",
          networkAcls: {
            defaultAction: "Deny",
            bypass: "AzureServices",
            ipRules: isPublic ? (args.allowedIpRanges ?? []).map((value) => ({ value })) : [],
            virtualNetworkRules: isPublic ? (args.allowedSubnetIds ?? []).map((id) => ({ id })) : [],
          },
        },
        tags: args.tags,
      },
      { parent: this, protect },
    );
    if (protect) deletionLock(name, vault, "The Key Vault", { parent: this });

    this.id = vault.id;
    this.name = vault.name;
    this.vaultUri = vault.properties.apply((p) => p.vaultUri);
    this.registerOutputs({ id: this.id, name: this.name, vaultUri: this.vaultUri });
  }
}
