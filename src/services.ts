import { SecretSettingKey, ValidatedConfig } from "./config";
import { Decisions } from "./matrix";

/**
 * The service inventory of DESIGN.md §2 and §3 as data: which services run with their own
 * identity, which Key Vault secrets exist, where each comes from, and who reads it. The vault
 * grants (components/key-vault) and the Container Apps' secretRefs (components/container-app) both
 * read this one table, so a reader can never be granted a secret its app does not mount, or the
 * reverse.
 */

/** Services that run as a Container App with their own user-assigned managed identity. */
export const SERVICE_NAMES = ["backend", "worker", "zep", "temporal"] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export type SecretSource =
  | { kind: "generated"; rotationSetting: "zepKeyRotationDays" | "postgresPasswordRotationDays" }
  | { kind: "config"; key: SecretSettingKey };

export interface VaultSecretSpec {
  /** What the secret is, for `contentType` and the report. */
  description: string;
  source: SecretSource;
  /** Created only when its config secret is set. */
  optional: boolean;
  /** The environment variable the reading containers get it as (through secretRef). */
  envVar: string;
  /** Services that read it, given the environment's matrix decisions. */
  readers(decisions: Decisions): readonly ServiceName[];
}

/** Key Vault secrets by their vault name (SOP 002 names). */
export const VAULT_SECRETS = {
  "zep-api-key": {
    description: "Zep memory service API key",
    source: { kind: "generated", rotationSetting: "zepKeyRotationDays" },
    optional: false,
    envVar: "ZEP_API_KEY",
    readers: () => ["backend", "worker", "zep"],
  },
  "azure-ai-key": {
    description: "Azure AI Services API key (APIM subscription key)",
    source: { kind: "config", key: "azureAiKey" },
    optional: false,
    envVar: "AZURE_AI_KEY",
    readers: () => ["backend", "worker", "zep"],
  },
  "postgres-password": {
    description: "PostgreSQL password of the platform server (Zep, Temporal; backend and worker in dev/test)",
    source: { kind: "generated", rotationSetting: "postgresPasswordRotationDays" },
    optional: false,
    envVar: "POSTGRES_PASSWORD",
    // Without password auth (always in uat/staging/prod) the application server is Entra-only:
    // backend and worker use their MI, and the password is the platform server's alone.
    readers: (d) =>
      d.postgresPasswordAuth.value ? ["backend", "worker", "zep", "temporal"] : ["zep", "temporal"],
  },
  "voicelive-api-key": {
    description: "Azure VoiceLive API key",
    source: { kind: "config", key: "voiceliveApiKey" },
    optional: true,
    envVar: "VOICELIVE_API_KEY",
    readers: () => ["backend"],
  },
  "anthropic-api-key": {
    description: "Anthropic Claude API key (Sage)",
    source: { kind: "config", key: "anthropicApiKey" },
    optional: true,
    envVar: "ANTHROPIC_API_KEY",
    readers: () => ["backend"],
  },
  "gemini-api-key": {
    description: "Google Gemini API key (Sage)",
    source: { kind: "config", key: "geminiApiKey" },
    optional: true,
    envVar: "GEMINI_API_KEY",
    readers: () => ["backend"],
  },
} as const satisfies Record<string, VaultSecretSpec>;

export type VaultSecretName = keyof typeof VAULT_SECRETS;
export const VAULT_SECRET_NAMES = Object.keys(VAULT_SECRETS) as VaultSecretName[];

/** The vault secrets that exist in an environment, given which optional config secrets are set. */
export function vaultSecretsFor(present: readonly SecretSettingKey[]): VaultSecretName[] {
  return VAULT_SECRET_NAMES.filter((n) => {
    const spec: VaultSecretSpec = VAULT_SECRETS[n];
    return !spec.optional || (spec.source.kind === "config" && present.includes(spec.source.key));
  });
}

/** The vault secrets one service reads, given the environment's decisions and which secrets are set. */
export function secretsReadBy(
  service: ServiceName,
  cfg: Pick<ValidatedConfig, "decisions" | "secretsPresent">,
): VaultSecretName[] {
  return vaultSecretsFor(cfg.secretsPresent).filter((n) =>
    (VAULT_SECRETS[n] as VaultSecretSpec).readers(cfg.decisions).includes(service),
  );
}
