import * as pulumi from "@pulumi/pulumi";
import { KeyVault } from "../../../components/key-vault";
import { Principal } from "../../../components/role-assignment";
import { VaultExpiryAlerts } from "../../../components/vault-expiry-alerts";
import { VaultSecret, VaultSecretValue } from "../../../components/vault-secret";
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

/** The vault's secrets as they are written, and the operations on them. */
export interface VaultSecrets {
  /** Every secret written so far, by name. */
  secrets: Record<string, VaultSecret>;
  /** Each service's Key Vault Secrets User assignments (one per secret it reads). */
  secretGrants: Record<ServiceName, pulumi.Resource[]>;
  /** Adds a secret another layer supplies (validated: name, not already there, distinct readers). */
  addSecret(name: string, spec: ExtraVaultSecret): AddedVaultSecret;
}

/**
 * Every secret of DESIGN.md §3 that this environment has (src/services.ts), each with a Key Vault
 * Secrets User grant per reader on that one secret, written after the expiry alerts exist.
 */
export function buildVaultSecrets(
  ctx: Context,
  platform: Platform,
  deps: { identities: ServiceIdentities; vault: KeyVault; expiryAlerts?: VaultExpiryAlerts },
): VaultSecrets {
  const cfg = ctx.cfg;
  const d = cfg.decisions;
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
      vaultName: deps.vault.name,
      resourceGroupName: platform.resourceGroupName,
      secretName,
      value,
      contentType,
      source,
      readers: Object.fromEntries(resolved.map((r) => [r.label, r.principal])),
      subscriptionId: platform.subscriptionId,
      environment: cfg.environment,
      tags: { ...ctx.tags, ...tags },
      after: deps.expiryAlerts ? [deps.expiryAlerts] : [],
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

  const addSecret = (name: string, spec: ExtraVaultSecret): AddedVaultSecret => {
    checkExtraSecret(name, spec, secrets, cfg.environment);
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
    for (const label of readerLabels(spec)) (grants[label] ??= []).push(s.grants[label]);
    return { secretUrl: secretUrlOf(deps.vault, name), grants };
  };
  return { secrets, secretGrants, addSecret };
}

const readerLabels = (spec: ExtraVaultSecret) =>
  spec.readers.map((r) => (typeof r === "string" ? r : r.label));

/** Refuses an added secret with an invalid or taken name, a borrowed label or a reader listed twice. */
function checkExtraSecret(
  name: string,
  spec: ExtraVaultSecret,
  secrets: Record<string, VaultSecret>,
  env: string,
): void {
  if (!SECRET_NAME.test(name))
    throw new Error(`vault secret name "${name}" is not valid: 1-127 letters, digits and hyphens`);
  if (secrets[name] || name in VAULT_SECRETS)
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
