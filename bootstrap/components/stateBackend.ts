import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as storage from "@pulumi/azure-native/storage";
import {
  backendUrl,
  Environment,
  secretsKeyName,
  secretsProviderUrl,
  stateContainerName,
} from "../src/names";

export interface StateBackendArgs {
  /** The bootstrap resource group. */
  resourceGroupName: pulumi.Input<string>;
  location: string;
  tenantId: string;
  /** Globally unique, 3-24 lower-case letters and digits. */
  storageAccountName: string;
  /** Globally unique, 3-24 letters, digits and hyphens. */
  keyVaultName: string;
  /** One state container and one secrets key per environment. */
  environments: readonly Environment[];
  tags: Readonly<Record<string, string>>;
  /**
   * Days a deleted blob version, blob or container can be recovered.
   * @default 30
   */
  softDeleteDays?: number;
}

/** The account that holds the state: Entra-only, geo-redundant, TLS 1.2, no public blobs. */
function stateAccount(
  name: string,
  args: StateBackendArgs,
  opts: pulumi.CustomResourceOptions,
): storage.StorageAccount {
  return new storage.StorageAccount(
    `${name}-st`,
    {
      accountName: args.storageAccountName,
      resourceGroupName: args.resourceGroupName,
      location: args.location,
      kind: storage.Kind.StorageV2,
      sku: { name: storage.SkuName.Standard_GRS },
      accessTier: storage.AccessTier.Hot,
      allowSharedKeyAccess: false,
      defaultToOAuthAuthentication: true,
      allowBlobPublicAccess: false,
      allowCrossTenantReplication: false,
      allowedCopyScope: storage.AllowedCopyScope.AAD,
      minimumTlsVersion: storage.MinimumTlsVersion.TLS1_2,
      // ARM's supportsHttpsTrafficOnly.
      enableHttpsTrafficOnly: true,
      isLocalUserEnabled: false,
      isSftpEnabled: false,
      isHnsEnabled: false,
      encryption: {
        keySource: storage.KeySource.Microsoft_Storage,
        requireInfrastructureEncryption: true,
        services: { blob: { enabled: true, keyType: storage.KeyType.Account } },
      },
      tags: args.tags,
    },
    opts,
  );
}

/** The vault of the secrets keys: RBAC, purge protection, 90 days of soft delete. */
function secretsVault(
  name: string,
  args: StateBackendArgs,
  opts: pulumi.CustomResourceOptions,
): keyvault.Vault {
  return new keyvault.Vault(
    `${name}-kv`,
    {
      vaultName: args.keyVaultName,
      resourceGroupName: args.resourceGroupName,
      location: args.location,
      properties: {
        tenantId: args.tenantId,
        sku: { family: keyvault.SkuFamily.A, name: keyvault.SkuName.Standard },
        enableRbacAuthorization: true,
        enableSoftDelete: true,
        softDeleteRetentionInDays: 90,
        enablePurgeProtection: true,
        enabledForDeployment: false,
        enabledForDiskEncryption: false,
        enabledForTemplateDeployment: false,
        publicNetworkAccess: "Enabled",
        networkAcls: {
          bypass: keyvault.NetworkRuleBypassOptions.None,
          defaultAction: keyvault.NetworkRuleAction.Allow,
        },
      },
      tags: args.tags,
    },
    opts,
  );
}

/**
 * Where every stack of the main program keeps its state (`azblob://`) and the key that encrypts its
 * secrets (`azurekeyvault://`). One container and one key per environment, so an environment's
 * identities can read and write only their own state and decrypt only their own secrets.
 *
 * Both the account and the vault accept Entra ID only (no shared key, no access policies) and
 * carry a CanNotDelete lock plus Pulumi `protect`: losing the state is the one unrecoverable
 * failure of an IaC estate. Public network access stays on because GitHub-hosted runners have no
 * fixed addresses; Entra-only auth, RBAC per container/key and TLS 1.2 are the compensating controls.
 */
export class StateBackend extends pulumi.ComponentResource {
  public readonly account: storage.StorageAccount;
  public readonly blobService: storage.BlobServiceProperties;
  public readonly containers: Record<Environment, storage.BlobContainer>;
  public readonly vault: keyvault.Vault;
  public readonly keys: Record<Environment, keyvault.Key>;
  /** `PULUMI_BACKEND_URL` per environment. */
  public readonly backendUrls: Record<Environment, string>;
  /** `PULUMI_SECRETS_PROVIDER` per environment. */
  public readonly secretsProviders: Record<Environment, string>;

  constructor(name: string, args: StateBackendArgs, opts?: pulumi.ComponentResourceOptions) {
    super("engram:bootstrap:StateBackend", name, {}, opts);
    const softDeleteDays = args.softDeleteDays ?? 30;
    const stateful = { parent: this, protect: true };

    this.account = stateAccount(name, args, stateful);

    this.blobService = new storage.BlobServiceProperties(
      `${name}-blob`,
      {
        accountName: this.account.name,
        resourceGroupName: args.resourceGroupName,
        blobServicesName: "default",
        isVersioningEnabled: true,
        deleteRetentionPolicy: { enabled: true, days: softDeleteDays },
        containerDeleteRetentionPolicy: { enabled: true, days: softDeleteDays },
      },
      { parent: this },
    );

    this.vault = secretsVault(name, args, stateful);

    const containers: Partial<Record<Environment, storage.BlobContainer>> = {};
    const keys: Partial<Record<Environment, keyvault.Key>> = {};
    const backendUrls: Partial<Record<Environment, string>> = {};
    const secretsProviders: Partial<Record<Environment, string>> = {};
    for (const env of args.environments) {
      containers[env] = new storage.BlobContainer(
        `${name}-${env}`,
        {
          accountName: this.account.name,
          resourceGroupName: args.resourceGroupName,
          containerName: stateContainerName(env),
          publicAccess: storage.PublicAccess.None,
        },
        { ...stateful, dependsOn: [this.blobService] },
      );
      // Pulumi's azurekeyvault provider wraps each stack's data key with RSA-OAEP-256 (encrypt and
      // decrypt only). No rotation policy: a new key version cannot decrypt what an older one
      // wrapped; rotate with `pulumi stack change-secrets-provider` instead.
      keys[env] = new keyvault.Key(
        `${name}-${env}-key`,
        {
          keyName: secretsKeyName(env),
          vaultName: this.vault.name,
          resourceGroupName: args.resourceGroupName,
          properties: {
            kty: keyvault.JsonWebKeyType.RSA,
            keySize: 3072,
            keyOps: [keyvault.JsonWebKeyOperation.Encrypt, keyvault.JsonWebKeyOperation.Decrypt],
            attributes: { enabled: true },
          },
          tags: args.tags,
        },
        stateful,
      );
      backendUrls[env] = backendUrl(args.storageAccountName, env);
      secretsProviders[env] = secretsProviderUrl(args.keyVaultName, env);
    }
    this.containers = containers as Record<Environment, storage.BlobContainer>;
    this.keys = keys as Record<Environment, keyvault.Key>;
    this.backendUrls = backendUrls as Record<Environment, string>;
    this.secretsProviders = secretsProviders as Record<Environment, string>;

    for (const [suffix, resource] of [
      ["st", this.account],
      ["kv", this.vault],
    ] as const) {
      new authorization.ManagementLockByScope(
        `${name}-${suffix}-lock`,
        {
          scope: resource.id,
          lockName: "do-not-delete-pulumi-state",
          level: authorization.LockLevel.CanNotDelete,
          notes: "Holds the Pulumi state or its secrets key for every engram environment.",
        },
        { parent: this },
      );
    }

    this.registerOutputs({
      accountName: this.account.name,
      vaultName: this.vault.name,
      backendUrls: this.backendUrls,
      secretsProviders: this.secretsProviders,
    });
  }
}
