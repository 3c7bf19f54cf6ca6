import * as pulumi from "@pulumi/pulumi";
import { SecretVolume } from "../../../components/container-app";
import { ServiceIdentity } from "../../../components/service-identity";
import { EngramConfig } from "../../config";
import {
  APP_NAMES,
  AppName,
  SERVICE_NAMES,
  ServiceName,
  VAULT_SECRETS,
  VaultSecretSpec,
  isServiceName,
  secretsReadBy,
} from "../../services";
import { DataLayer } from "../data";
import { ServiceIdentities } from "../identities";

/** The five apps of src/services.ts: the four services of DESIGN.md §2 plus the Temporal UI. */
export { APP_NAMES };
export type { AppName };

/** What one app gets, before it becomes a ContainerApp. */
export interface AppPlan {
  identity?: ServiceIdentity;
  keyVaultSecrets: Record<string, pulumi.Input<string>>;
  secretEnv: Record<string, string>;
  env: Record<string, pulumi.Input<string>>;
  secretVolumes: Record<string, SecretVolume>;
  grants: pulumi.Resource[];
  rotations: Record<string, pulumi.Input<string>>;
}

export type AppPlans = Record<AppName, AppPlan>;

function emptyPlan(): AppPlan {
  return { keyVaultSecrets: {}, secretEnv: {}, env: {}, secretVolumes: {}, grants: [], rotations: {} };
}

/**
 * Each app's plan with its identity and the vault secrets it reads, derived from src/services.ts:
 * a Key Vault reference per secret, the secret's env var as a secretRef, and the rotations that
 * give the app a new revision. The Temporal UI reads no service secret.
 */
export function servicePlans(
  cfg: EngramConfig,
  identities: ServiceIdentities,
  data: DataLayer,
  uiIdentity: ServiceIdentity | undefined,
): AppPlans {
  const plans = {} as AppPlans;
  for (const a of APP_NAMES) plans[a] = emptyPlan();
  for (const s of SERVICE_NAMES) {
    const p = plans[s];
    p.identity = identities[s];
    for (const secret of secretsReadBy(s, cfg)) {
      const spec: VaultSecretSpec = VAULT_SECRETS[secret];
      p.keyVaultSecrets[secret] = data.secretUrl(secret);
      p.secretEnv[spec.envVar] = secret;
      // An app reading a rotated generated secret gets a new revision.
      const rotated = data.secretRotations[secret];
      if (spec.source.kind === "generated" && rotated !== undefined) p.rotations[secret] = rotated;
    }
  }
  plans["temporal-ui"].identity = uiIdentity;
  return plans;
}

/**
 * What each app depends on before it starts: its Key Vault grants (on the secrets of DESIGN.md §3,
 * then on the Temporal mTLS secrets it reads) and its AcrPull.
 */
export function assignGrants(
  plans: AppPlans,
  secretGrants: Readonly<Record<ServiceName, readonly pulumi.Resource[]>>,
  tlsGrants: Partial<Record<AppName, pulumi.Resource[]>>,
  acrPull: Partial<Record<AppName, pulumi.Resource>>,
): void {
  for (const a of APP_NAMES) {
    const pull = acrPull[a];
    const service = isServiceName(a) ? secretGrants[a] : [];
    plans[a].grants = [...service, ...(tlsGrants[a] ?? []), ...(pull ? [pull] : [])];
  }
}
