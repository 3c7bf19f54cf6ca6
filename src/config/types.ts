import type { Output } from "@pulumi/pulumi";
import type { Decisions, Environment, FixedDecisions } from "../matrix";
import type { ImageService } from "../services";
import type { SecretSettingKey } from "./secret-settings";

/** The config's vocabulary: the namespace, the secret settings, the services and groups, and the typed results. */

export const NAMESPACE = "engram";

export { SECRET_SETTINGS, SECRET_SETTING_KEYS } from "./secret-settings";
export type { SecretSettingKey } from "./secret-settings";
export { IMAGE_KEYS } from "../services";
export type { ImageService } from "../services";

export const APP_ROLE_VALUES = ["Admin", "Analyst", "PM", "Viewer"] as const;
export type AppRoleValue = (typeof APP_ROLE_VALUES)[number];

export const APP_ROLE_GROUPS = ["admin", "analyst", "pm", "viewer"] as const;
export const PLATFORM_GROUPS = ["sre", "security", "dba", "data", "dev"] as const;
export type GroupKey = (typeof APP_ROLE_GROUPS)[number] | (typeof PLATFORM_GROUPS)[number];

export interface AlertThresholds {
  /** 401/403 responses of the API in 5 minutes. @default 50 */
  authFailures: number;
  /** SecretGet/SecretList calls by one caller in 15 minutes. @default 100 */
  secretReads: number;
  /** Key Vault 403 responses in 15 minutes. @default 1 */
  accessDenied: number;
  /** container exits after a missing secret in 15 minutes. @default 1 */
  missingSecretExits: number;
}

export const DEFAULT_THRESHOLDS: AlertThresholds = {
  authFailures: 50,
  secretReads: 100,
  accessDenied: 1,
  missingSecretExits: 1,
};

/** The validated, typed configuration of one stack (everything but secret values). */
export interface ValidatedConfig {
  project: string;
  stack: string;
  environment: Environment;
  location: string;
  nameSuffix: string;
  network: { addressSpace: string };
  tags: { owner: string; costCenter: string };
  frontendOrigins: string[];
  devOrigins: string[];
  adminIpAllowlist: string[];
  images: Record<ImageService, string>;
  /** The container registry: an ACR (AcrPull is granted) or another registry's login server (public images). */
  registry?: { loginServer: string; acrId?: string };
  /** An organisation's DDoS Network Protection plan linked to the VNet (absent: not linked). */
  ddosProtectionPlanId?: string;
  /**
   * The CI/CD hub VNet of the bootstrap (GitHub-hosted runners with Azure private networking):
   * peered with the environment's VNet and linked to the AKS private DNS zone, so the deploy job
   * reaches the private API server. Required with runtime aks; absent otherwise unless set.
   */
  cicdHub?: { vnetId: string; addressSpace: string };
  groups: Partial<Record<GroupKey, string>>;
  ai: { accountId: string; endpoint: string };
  alertEmails: string[];
  alertThresholds: AlertThresholds;
  signInAlerts: boolean;
  retiredAppRoles: AppRoleValue[];
  removedAppRoles: AppRoleValue[];
  /** The overridable matrix settings in force, each with its source. */
  decisions: Decisions;
  /** The matrix rows that follow from the environment alone. */
  fixed: FixedDecisions;
  /** Which optional secrets are set (their values are only in `EngramConfig.secrets`). */
  secretsPresent: SecretSettingKey[];
}

export interface EngramConfig extends ValidatedConfig {
  secrets: { azureAiKey: Output<string> } & Partial<
    Record<Exclude<SecretSettingKey, "azureAiKey">, Output<string>>
  >;
}

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(
      `invalid configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n- ${problems.join("\n- ")}`,
    );
    this.name = "ConfigError";
  }
}

/** What the validator reads: raw config strings as Pulumi stores them (objects and lists as JSON). */
export interface RawConfig {
  project: string;
  stack: string;
  /** Every `engram:*` value, keyed without the namespace. Secret values may be placeholders. */
  values: Record<string, string>;
  /** The keys (without namespace) Pulumi holds as secrets. */
  secretKeys: string[];
  /**
   * Every other config key the stack holds (full keys such as `azure-native:location`), and which of
   * them are secret. Each must belong to a namespace this program reads.
   */
  foreign?: { values: Record<string, string>; secretKeys: string[] };
}
