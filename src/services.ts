import type { SecretSettingKey } from "./config/secret-settings";
import type { Decisions } from "./matrix";

/**
 * The service inventory of DESIGN.md §2 and §3 as data: the apps, their image key, port, ingress
 * and identity (SERVICES), which Key Vault secrets exist, where each comes from, and who reads it
 * (VAULT_SECRETS). The config's image keys, the identities layer, the vault grants
 * (components/key-vault) and the Container Apps (their secretRefs, ports, ingress) all read these
 * tables, so a reader can never be granted a secret its app does not mount, or the reverse. The
 * roles each service needs are rows of the access table (src/access.ts).
 */

/** How an app is reached (DESIGN.md §2). */
export type ServiceIngress =
  /** HTTP, public (internal to the VNet, behind the WAF, when the WAF is on). */
  | "external"
  /** HTTP, from inside the Container Apps environment only. */
  | "internal"
  /** TCP on its port, from inside the environment only (Temporal gRPC). */
  | "internal-tcp"
  /** No ingress (the worker). */
  | "none";

export interface ServiceSpec {
  /** Its key under `engram:images` (camelCase, like every config key). */
  imageKey: string;
  /** The port its container listens on; none without ingress. */
  port?: number;
  ingress: ServiceIngress;
  /**
   * `own`: a user-assigned managed identity of its own (`id-engram-<env>-<name>`), made by the
   * identities layer, which reads the secrets VAULT_SECRETS names it a reader of. `when-needed`:
   * an identity only where it has something to do (the Temporal UI: AcrPull, its mTLS client
   * certificate); it reads no service secret.
   */
  identity: "own" | "when-needed";
}

/** The apps of DESIGN.md §2, in the order they are listed, planned and reported. */
export const SERVICES = {
  backend: { imageKey: "backend", port: 8000, ingress: "external", identity: "own" },
  worker: { imageKey: "worker", ingress: "none", identity: "own" },
  zep: { imageKey: "zep", port: 8000, ingress: "internal", identity: "own" },
  temporal: { imageKey: "temporal", port: 7233, ingress: "internal-tcp", identity: "own" },
  "temporal-ui": { imageKey: "temporalUi", port: 8080, ingress: "internal", identity: "when-needed" },
} as const satisfies Record<string, ServiceSpec>;

/** Every app: the services plus the Temporal UI. */
export type AppName = keyof typeof SERVICES;
export const APP_NAMES = Object.keys(SERVICES) as AppName[];

/** Services that run with their own user-assigned managed identity and read vault secrets. */
export type ServiceName = {
  [A in AppName]: (typeof SERVICES)[A]["identity"] extends "own" ? A : never;
}[AppName];
export const SERVICE_NAMES = APP_NAMES.filter((a) => SERVICES[a].identity === "own") as ServiceName[];
export const isServiceName = (a: string): a is ServiceName =>
  (SERVICE_NAMES as readonly string[]).includes(a);

/** The `engram:images` keys, one per app. */
export type ImageService = (typeof SERVICES)[AppName]["imageKey"];
export const IMAGE_KEYS = APP_NAMES.map((a) => SERVICES[a].imageKey) as ImageService[];

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
export function vaultSecretsFor(present: readonly SecretSettingKey[]): VaultSecretName[];
/** The same of another secrets table (a test's edited copy). */
export function vaultSecretsFor(
  present: readonly SecretSettingKey[],
  secrets: Record<string, VaultSecretSpec>,
): string[];
export function vaultSecretsFor(
  present: readonly SecretSettingKey[],
  secrets: Record<string, VaultSecretSpec> = VAULT_SECRETS,
): string[] {
  return Object.keys(secrets).filter((n) => {
    const spec = secrets[n];
    return !spec.optional || (spec.source.kind === "config" && present.includes(spec.source.key));
  });
}

/** The vault secrets one service reads, given the environment's decisions and which secrets are set. */
export function secretsReadBy(
  service: ServiceName,
  cfg: { decisions: Decisions; secretsPresent: readonly SecretSettingKey[] },
): VaultSecretName[] {
  return vaultSecretsFor(cfg.secretsPresent).filter((n) =>
    (VAULT_SECRETS[n] as VaultSecretSpec).readers(cfg.decisions).includes(service),
  );
}
