import * as pulumi from "@pulumi/pulumi";
import { ServiceName } from "../services";

/**
 * The data layer (DESIGN.md §3, §6, §7): Key Vault with every secret and its per-secret grants,
 * Storage, Postgres and their private endpoints. This interface is what the runtime layer
 * (Container Apps) and the observability layer (diagnostic settings) code against.
 */

/** A secret another layer adds to the vault (e.g. the Temporal mTLS certificates). */
export interface ExtraVaultSecret {
  /** The secret value; must already be a secret Output (`pulumi.secret(...)`). */
  value: pulumi.Output<string>;
  /** What the value is (`application/x-pem-file`, `text/plain`...). */
  contentType: string;
  /** Expiry, Unix seconds (from a time resource, never Date.now()). @default none */
  expires?: pulumi.Input<number>;
  /** The services whose identity gets Key Vault Secrets User on this one secret. */
  readers: readonly ServiceName[];
  /** Tags describing its source and rotation, merged over the environment tags. @default {} */
  tags?: Record<string, string>;
}

export interface AddedVaultSecret {
  /** Versionless secret URL (`<vaultUri>secrets/<name>`), for Container App `keyVaultUrl`. */
  secretUrl: pulumi.Output<string>;
  /** The Key Vault Secrets User assignments of this one secret, per reader. */
  grants: Record<ServiceName, pulumi.Resource[]>;
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
  /** Whether the application server accepts password auth (dev/test only). */
  appPasswordAuth: boolean;
}

export interface DataLayer {
  vaultName: pulumi.Output<string>;
  /** `https://<name>.vault.azure.net/` (with the trailing slash). */
  vaultUri: pulumi.Output<string>;
  vaultId: pulumi.Output<string>;
  /** Versionless URL of a vault secret: `${vaultUri}secrets/<name>` (always the current version). */
  secretUrl(name: string): pulumi.Output<string>;
  /** The vault secrets that exist in this stack (VAULT_SECRETS present here + added ones). */
  secretNames(): string[];
  /**
   * Each service's Key Vault Secrets User assignments (one per secret it reads). A Container App
   * `dependsOn` exactly its own list. `addSecret` appends to these lists, so call it before
   * reading them.
   */
  secretGrants: Record<ServiceName, pulumi.Resource[]>;
  /** The services that read one vault secret. */
  readersOf(secret: string): readonly ServiceName[];
  /** Adds a vault secret with per-secret grants for its readers. */
  addSecret(name: string, spec: ExtraVaultSecret): AddedVaultSecret;
  postgres: PostgresEndpoints;
  storage: {
    accountName: pulumi.Output<string>;
    accountId: pulumi.Output<string>;
    /** `https://<account>.blob.core.windows.net/` */
    blobEndpoint: pulumi.Output<string>;
    containerName: string;
  };
  /** Resource ids for the observability layer's diagnostic settings (this layer creates none). */
  diagnosticTargets: {
    keyVaultId: pulumi.Output<string>;
    storageAccountId: pulumi.Output<string>;
    /** `<storageAccountId>/blobServices/default` */
    blobServiceId: pulumi.Output<string>;
    /** Postgres server ids by role: `app`, plus `platform` in uat/staging/prod. */
    postgresServerIds: Record<string, pulumi.Output<string>>;
  };
  /** Idempotent SQL for the DBA creating app_rw / analytics_ro / admin (no credentials). */
  postgresRoleSql: pulumi.Output<string>;
}
