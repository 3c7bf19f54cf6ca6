import * as pulumi from "@pulumi/pulumi";
import { Context, Platform } from "../context";
import { ServiceName, VaultSecretName } from "../services";
import { buildPrivateEndpoints } from "./data/private-endpoints";
import { DATABASES, PLATFORM_LOGIN, buildPostgres, postgresRoleSql } from "./data/postgres";
import { VaultSecretTarget, buildVaultSecrets } from "./data/secrets";
import { buildStorage } from "./data/storage";
import { buildVault, secretUrlOf } from "./data/vault";
import { ServiceIdentities } from "./identities";
import { NetworkLayer } from "./network";
import type { DataDiagnosticTargets, Monitoring } from "./observability";

export { DATABASES, PLATFORM_LOGIN } from "./data/postgres";
export { addExtraSecret } from "./data/secrets";
export type {
  AddedVaultSecret,
  ExtraSecretReader,
  ExtraVaultSecret,
  SecretReader,
  VaultSecretTarget,
} from "./data/secrets";

/**
 * The data layer (DESIGN.md §3, §6, §7): Key Vault with every secret and its per-secret grants,
 * Storage, Postgres and their private endpoints. This interface is what the runtime layer
 * (Container Apps) and the observability layer (diagnostic settings) code against.
 */

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
   * Each service's Key Vault Secrets User assignments, one per secret of DESIGN.md §3 it reads
   * (complete: nothing is added to them later). A Container App `dependsOn` its own list.
   */
  secretGrants: Readonly<Record<ServiceName, readonly pulumi.Resource[]>>;
  /** Generated secrets: when the current value was generated (changes on every rotation). */
  secretRotations: Record<string, pulumi.Output<string>>;
  /** Where a later layer writes a secret of its own, with `addExtraSecret` (the vault, what to wait for). */
  secretTarget: VaultSecretTarget;
  postgres: PostgresEndpoints;
  storage: { accountName: pulumi.Output<string> };
  /** Resource ids for the observability layer's diagnostic settings (this layer creates none). */
  diagnosticTargets: DataDiagnosticTargets;
  /** Idempotent SQL for the DBA creating app_rw / analytics_ro / admin (no credentials). */
  postgresRoleSql: pulumi.Output<string>;
}

/**
 * Key Vault with every secret of DESIGN.md §3 and their per-secret grants, the vault's expiry
 * alerts where alerts are on, Storage, Postgres (DESIGN.md §7) and, where the matrix says so,
 * private endpoints for all three (§6). Each concern is a module of data/.
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
  // The expiry alerts come before any secret: Key Vault raises expiry events only for versions
  // written after they exist.
  const { vault, expiryAlerts } = buildVault(ctx, platform, deps);
  const secretTarget: VaultSecretTarget = {
    vault,
    after: expiryAlerts ? [expiryAlerts] : [],
    identities: deps.identities,
  };
  const { secrets, secretGrants } = buildVaultSecrets(ctx, platform, secretTarget);
  const store = buildStorage(ctx, platform, deps);
  const postgresPassword = secrets["postgres-password" satisfies VaultSecretName].value;
  const pg = buildPostgres(ctx, platform, { network: deps.network, postgresPassword });
  const { appServer, platformServer, split } = pg;
  if (ctx.cfg.decisions.privateEndpoints.value)
    buildPrivateEndpoints(ctx, platform, {
      network: deps.network,
      vaultId: vault.id,
      storageId: store.id,
      postgres: pg,
    });

  return {
    vaultName: vault.name,
    vaultUri: vault.vaultUri,
    secretUrl: (name) => secretUrlOf(vault, name),
    secretId: (name) => pulumi.interpolate`${vault.id}/secrets/${name}`,
    secretGrants,
    secretRotations: Object.fromEntries(
      Object.entries(secrets).flatMap(([n, v]) => (v.rotatedAt ? [[n, v.rotatedAt]] : [])),
    ),
    secretTarget,
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
    postgresRoleSql: postgresRoleSql(ctx, appServer, deps.identities),
  };
}
