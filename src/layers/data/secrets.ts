import * as pulumi from "@pulumi/pulumi";
import { KeyVault } from "../../../components/key-vault";
import { Principal } from "../../../components/role-assignment";
import { VaultSecret, VaultSecretValue } from "../../../components/vault-secret";
import { RoleName } from "../../../lib/roles";
import { Grantee, noSecretReadRow, secretReadRole } from "../../access";
import { Context, Platform } from "../../context";
import { SERVICE_NAMES, ServiceName, VAULT_SECRETS, VaultSecretSpec, vaultSecretsFor } from "../../services";
import { ServiceIdentities } from "../identities";
import { secretUrlOf } from "./vault";

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

const SECRET_NAME = /^[0-9a-zA-Z-]{1,127}$/;

const emptyGrants = (): Record<ServiceName, pulumi.Resource[]> =>
  Object.fromEntries(SERVICE_NAMES.map((s) => [s, [] as pulumi.Resource[]])) as Record<
    ServiceName,
    pulumi.Resource[]
  >;

/** The vault's secrets as the data layer writes them (complete when it returns). */
export interface VaultSecrets {
  /** Every secret of DESIGN.md §3 in this environment, by name. */
  secrets: Record<string, VaultSecret>;
  /** Each service's Key Vault Secrets User assignments (one per secret it reads). */
  secretGrants: Record<ServiceName, pulumi.Resource[]>;
}

/**
 * Where a secret is written and what it waits for: the environment's vault and its expiry alerts.
 * The data layer hands this forward so that a later layer can write a secret of its own (the
 * Temporal mTLS certificates) with `addExtraSecret`, the same way, without changing the data layer.
 */
export interface VaultSecretTarget {
  vault: Pick<KeyVault, "name" | "vaultUri">;
  /** Written after these exist (the expiry alerts: Key Vault raises events only for later versions). */
  after: readonly pulumi.Resource[];
  /** The service identities, readers by name. */
  identities: ServiceIdentities;
}

/** One vault secret with a Key Vault Secrets User grant per reader on that one secret. */
function writeVaultSecret(
  ctx: Context,
  platform: Platform,
  target: VaultSecretTarget,
  secret: { name: string; value: VaultSecretValue; contentType: string; source: string },
  secretReaders: readonly SecretReader[],
  tags: Record<string, string> = {},
): VaultSecret {
  const resolved = secretReaders.map((r) =>
    typeof r === "string" ? { label: r, principal: target.identities[r].principal } : r,
  );
  // A reader is granted its kv-secret row of src/access.ts on the secret (DESIGN.md §4).
  const readerRoles: Record<string, RoleName> = {};
  for (const r of resolved) {
    const role = secretReadRole(r.label as Grantee);
    if (role === undefined) throw new Error(noSecretReadRow(secret.name, r.label));
    readerRoles[r.label] = role;
  }
  return new VaultSecret(`secret-${secret.name}`, {
    vaultName: target.vault.name,
    resourceGroupName: platform.resourceGroupName,
    secretName: secret.name,
    value: secret.value,
    contentType: secret.contentType,
    source: secret.source,
    readers: Object.fromEntries(resolved.map((r) => [r.label, r.principal])),
    readerRoles,
    subscriptionId: platform.subscriptionId,
    environment: ctx.cfg.environment,
    tags: { ...ctx.tags, ...tags },
    after: [...target.after],
  });
}

/**
 * Every secret of DESIGN.md §3 that this environment has (src/services.ts), each with a Key Vault
 * Secrets User grant per reader on that one secret, written after the expiry alerts exist.
 */
export function buildVaultSecrets(ctx: Context, platform: Platform, target: VaultSecretTarget): VaultSecrets {
  const cfg = ctx.cfg;
  const d = cfg.decisions;
  const secrets: Record<string, VaultSecret> = {};
  const secretGrants = emptyGrants();

  const addVaultSecret = (
    name: string,
    value: VaultSecretValue,
    source: string,
    spec: VaultSecretSpec,
    secretReaders: readonly ServiceName[],
  ) => {
    const contentType = `text/plain; ${spec.description}`;
    const s = writeVaultSecret(ctx, platform, target, { name, value, contentType, source }, secretReaders);
    secrets[name] = s;
    for (const r of secretReaders) secretGrants[r].push(s.grants[r]);
  };

  for (const name of vaultSecretsFor(cfg.secretsPresent)) {
    const spec: VaultSecretSpec = VAULT_SECRETS[name];
    // The readers come from the one table the Container Apps mount their secretRefs from.
    const readers = spec.readers(cfg.decisions);
    const secretReaders = SERVICE_NAMES.filter((s) => readers.includes(s));
    if (spec.source.kind === "generated") {
      const value = { kind: "generated", rotationDays: d[spec.source.rotationSetting].value } as const;
      addVaultSecret(name, value, "generated", spec, secretReaders);
    } else {
      const value = cfg.secrets[spec.source.key];
      if (!value) throw new Error(`vault secret ${name}: engram:${spec.source.key} has no value`);
      const provided = { kind: "provided", value, expiryDays: d.secretExpiryDays.value } as const;
      addVaultSecret(name, provided, `config:${spec.source.key}`, spec, secretReaders);
    }
  }
  return { secrets, secretGrants };
}

/**
 * A secret a later layer supplies (e.g. the Temporal mTLS certificates), written into the vault the
 * data layer hands forward, with per-secret grants for its readers. Refused: an invalid name, a
 * name of DESIGN.md §3, an extra reader borrowing a service's label, a reader listed twice.
 */
export function addExtraSecret(
  ctx: Context,
  platform: Platform,
  target: VaultSecretTarget,
  name: string,
  spec: ExtraVaultSecret,
): AddedVaultSecret {
  checkExtraSecret(name, spec, ctx.cfg.environment);
  const s = writeVaultSecret(
    ctx,
    platform,
    target,
    {
      name,
      value: { kind: "external", value: spec.value, expires: spec.expires },
      contentType: spec.contentType,
      // The caller's `source` tag (e.g. generated:temporal-mtls) is the secret's source.
      source: spec.tags?.source ?? "generated",
    },
    spec.readers,
    spec.tags,
  );
  const grants: AddedVaultSecret["grants"] = emptyGrants();
  for (const label of readerLabels(spec)) (grants[label] ??= []).push(s.grants[label]);
  return { secretUrl: secretUrlOf(target.vault, name), grants };
}

const readerLabels = (spec: ExtraVaultSecret) =>
  spec.readers.map((r) => (typeof r === "string" ? r : r.label));

/** Refuses an added secret with an invalid or taken name, a borrowed label or a reader listed twice. */
function checkExtraSecret(name: string, spec: ExtraVaultSecret, env: string): void {
  if (!SECRET_NAME.test(name))
    throw new Error(`vault secret name "${name}" is not valid: 1-127 letters, digits and hyphens`);
  // Two extra secrets of one name are refused by the engine (one URN, `secret-<name>`).
  if (name in VAULT_SECRETS)
    throw new Error(`vault secret ${name} already exists in the ${env} vault (DESIGN.md §3)`);
  const labels = readerLabels(spec);
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
}
