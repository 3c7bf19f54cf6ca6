// table: DESIGN.md §1 as data: SETTINGS (one entry per overridable setting) and FIXED (the rows
// config cannot change), with the types that shape them; the only code is the two look-ups at the end.
/**
 * The environment matrix of DESIGN.md §1 as data: one default per environment for every setting,
 * and for the settings that config may override, which values each environment refuses and why.
 * Nothing here reads config or creates resources; `src/config.ts` applies it, components obey it.
 */

import { ENVIRONMENTS, Environment, HIGHER_ENVIRONMENTS, LOWER_ENVIRONMENTS } from "../lib/environments";

// The matrix's rows: the environments live in lib/ (components and the bootstrap name them too).
export {
  ENVIRONMENTS,
  HIGHER_ENVIRONMENTS,
  isEnvironment,
  isHigher,
  LOWER_ENVIRONMENTS,
} from "../lib/environments";
export type { Environment } from "../lib/environments";

type PerEnv<T> = Record<Environment, T>;

/** A value some environments refuse, with the rule that says why (quoted in the error message). */
export interface Refusal<T> {
  value: T | ((v: T, env: Environment) => boolean);
  in: readonly Environment[];
  rule: string;
}

export interface BooleanSetting {
  kind: "boolean";
  title: string;
  defaults: PerEnv<boolean>;
  refusals: readonly Refusal<boolean>[];
}

export interface NumberSetting {
  kind: "number";
  title: string;
  unit: string;
  defaults: PerEnv<number>;
  refusals: readonly Refusal<number>[];
}

/** One of a fixed list of words (e.g. the runtime: `aca` or `aks`). */
export interface ChoiceSetting<C extends string = string> {
  kind: "choice";
  title: string;
  choices: readonly C[];
  defaults: PerEnv<C>;
  refusals: readonly Refusal<string>[];
}

export type Setting = BooleanSetting | NumberSetting | ChoiceSetting;

/** A setting's value: true/false, a number or one of its choices. */
export type SettingValue = boolean | number | string;

/** The two runtimes of SOP 000: "dev, test, uat, staging (ACA) and prod (AKS)". */
export const RUNTIMES = ["aca", "aks"] as const;
export type Runtime = (typeof RUNTIMES)[number];

const ALL = ENVIRONMENTS;
const HIGHER = HIGHER_ENVIRONMENTS;
const byTier = <T>(lower: T, higher: T): PerEnv<T> => ({
  dev: lower,
  test: lower,
  uat: higher,
  staging: higher,
  prod: higher,
});

const SECRET_EXPIRY_DEFAULTS = byTier(30, 90);
const ZEP_ROTATION_DEFAULTS = byTier(30, 60);
const POSTGRES_ROTATION_DEFAULTS = byTier(30, 90);
const LOG_RETENTION_DEFAULTS: PerEnv<number> = { dev: 30, test: 30, uat: 90, staging: 90, prod: 365 };

/**
 * The overridable settings, keyed by their config key (`engram:<key>`). Order is the order of
 * DESIGN.md §1, which is also the order of the plan report.
 */
export const SETTINGS = {
  authRequired: {
    kind: "boolean",
    title: "AUTH_REQUIRED on the API",
    defaults: byTier(true, true),
    refusals: [
      {
        value: false,
        in: ["test", "uat", "staging", "prod"],
        rule: "AUTH_REQUIRED may be false only in dev (SOP 001 POC mode)",
      },
    ],
  },
  allowDevTokens: {
    kind: "boolean",
    title: "dev-token fallback (ALLOW_DEV_TOKENS)",
    defaults: byTier(true, false),
    refusals: [
      {
        value: true,
        in: HIGHER,
        rule: "dev tokens are allowed only in dev and test (SOP 000 environment matrix)",
      },
    ],
  },
  sharedKeyAccess: {
    kind: "boolean",
    title: "shared keys / local auth (Storage shared key, break-glass keys)",
    defaults: byTier(true, false),
    refusals: [
      {
        value: true,
        in: HIGHER,
        rule: "keys are off in uat, staging and prod: workloads use managed identity only (SOP 000 environment matrix)",
      },
    ],
  },
  privateEndpoints: {
    kind: "boolean",
    title: "private endpoints for Key Vault, Storage and Postgres (public network access disabled)",
    defaults: byTier(false, true),
    refusals: [
      {
        value: false,
        in: HIGHER,
        rule: "Key Vault, Storage and Postgres are private in uat, staging and prod (SOP 000 Network Controls)",
      },
    ],
  },
  purgeProtection: {
    kind: "boolean",
    title: "Key Vault purge protection",
    defaults: byTier(false, true),
    refusals: [
      {
        value: false,
        in: HIGHER,
        rule: "purge protection is required in uat, staging and prod (SOP 000 Secrets & Key Management)",
      },
    ],
  },
  keyVaultRetentionDays: {
    kind: "number",
    title: "Key Vault soft-delete retention",
    unit: "days",
    defaults: byTier(7, 90),
    refusals: [
      {
        value: (v) => !Number.isInteger(v) || v < 7 || v > 90,
        in: ALL,
        rule: "soft-delete retention is a whole number of days from 7 to 90 (Azure Key Vault limit)",
      },
    ],
  },
  secretExpiryDays: {
    kind: "number",
    title: "expiry of third-party keys",
    unit: "days",
    defaults: SECRET_EXPIRY_DEFAULTS,
    refusals: [
      {
        value: (v, env) => !Number.isInteger(v) || v < 1 || v > SECRET_EXPIRY_DEFAULTS[env],
        in: ALL,
        rule: "secret expiry may be shorter than the matrix default (30 days in dev/test, 90 in uat/staging/prod), never longer (SOP 000 Rotation)",
      },
    ],
  },
  zepKeyRotationDays: {
    kind: "number",
    title: "Zep API key rotation",
    unit: "days",
    defaults: ZEP_ROTATION_DEFAULTS,
    refusals: [
      {
        value: (v, env) => !Number.isInteger(v) || v < 1 || v > ZEP_ROTATION_DEFAULTS[env],
        in: ALL,
        rule: "the Zep API key rotates at least every 30 days in dev/test and 60 days in uat/staging/prod (SOP 000 Rotation)",
      },
    ],
  },
  postgresPasswordRotationDays: {
    kind: "number",
    title: "Postgres password rotation",
    unit: "days",
    defaults: POSTGRES_ROTATION_DEFAULTS,
    refusals: [
      {
        value: (v, env) => !Number.isInteger(v) || v < 1 || v > POSTGRES_ROTATION_DEFAULTS[env],
        in: ALL,
        rule: "the Postgres password rotates at least every 30 days in dev/test and 90 days in uat/staging/prod (SOP 000 Rotation)",
      },
    ],
  },
  waf: {
    kind: "boolean",
    title: "Application Gateway WAF_v2 in front of the API (ACA environment internal)",
    defaults: { dev: false, test: false, uat: false, staging: false, prod: true },
    refusals: [
      {
        value: false,
        in: ["prod"],
        rule: "prod exposes the API only through the WAF (SOP 000: WAF/APIM front door in prod)",
      },
      {
        value: true,
        in: LOWER_ENVIRONMENTS,
        rule: "the WAF may be turned on only in uat and staging, and is always on in prod (DESIGN.md §1)",
      },
    ],
  },
  peerEncryption: {
    kind: "boolean",
    title: "peer traffic encryption between apps (mTLS in the ACA environment)",
    defaults: byTier(false, true),
    refusals: [
      {
        value: false,
        in: HIGHER,
        rule: "traffic between apps is encrypted in uat, staging and prod (SOP 000: mTLS where supported)",
      },
    ],
  },
  temporalMtls: {
    kind: "boolean",
    title: "Temporal frontend mTLS (client certificates)",
    defaults: { dev: false, test: false, uat: false, staging: false, prod: true },
    refusals: [
      { value: false, in: ["prod"], rule: "Temporal requires mTLS in prod (SOP 000: Temporal with mTLS)" },
    ],
  },
  azureCliPreAuthorized: {
    kind: "boolean",
    title: "Azure CLI pre-authorized on user_impersonation (smoke tests)",
    defaults: { dev: true, test: true, uat: true, staging: true, prod: false },
    refusals: [],
  },
  logRetentionDays: {
    kind: "number",
    title: "Log Analytics retention",
    unit: "days",
    defaults: LOG_RETENTION_DEFAULTS,
    refusals: [
      {
        value: (v, env) => !Number.isInteger(v) || v < LOG_RETENTION_DEFAULTS[env] || v > 730,
        in: ALL,
        rule: "log retention is never below the matrix (30 days in dev/test, 90 in uat/staging, 365 in prod) nor above 730 (SOP 000 Audit & Logging)",
      },
    ],
  },
  alerts: {
    kind: "boolean",
    title: "security alerts (auth failures, RBAC changes, Key Vault access, missing secrets)",
    defaults: byTier(false, true),
    refusals: [
      {
        value: false,
        in: HIGHER,
        rule: "security alerts are required in uat, staging and prod (SOP 000 Logging & Monitoring)",
      },
    ],
  },
  protectResources: {
    kind: "boolean",
    title: "Pulumi protect + CanNotDelete lock on stateful resources",
    defaults: byTier(false, true),
    refusals: [
      {
        value: false,
        in: HIGHER,
        rule: "stateful resources are protected in uat, staging and prod (SOP 000 Change Control: no ad-hoc changes)",
      },
    ],
  },
  postgresPasswordAuth: {
    kind: "boolean",
    title: "Postgres password auth for the application database",
    defaults: byTier(true, false),
    refusals: [
      {
        value: true,
        in: HIGHER,
        rule: "the application database accepts Entra (managed identity) only in uat, staging and prod (SOP 000: password auth disabled)",
      },
    ],
  },
  runtime: {
    kind: "choice",
    title: "runtime of the services: Container Apps (aca) or a private AKS cluster (aks)",
    choices: RUNTIMES,
    defaults: { dev: "aca", test: "aca", uat: "aca", staging: "aca", prod: "aks" } as PerEnv<Runtime>,
    refusals: [
      {
        value: "aca",
        in: ["prod"],
        rule: "prod runs on a private AKS cluster (SOP 000: dev, test, uat, staging (ACA) and prod (AKS))",
      },
      {
        value: "aks",
        in: ["dev", "test", "uat"],
        rule: "AKS runs prod, and staging may rehearse it; dev, test and uat run on Container Apps (SOP 000 environment matrix, DESIGN.md §11)",
      },
    ],
  },
  availability: {
    kind: "boolean",
    title:
      "availability: zone-redundant Postgres HA with geo-redundant backup, GZRS storage, ACA environment, public IPs and WAF over zones, NAT gateway in one zone",
    defaults: { dev: false, test: false, uat: false, staging: true, prod: true },
    refusals: [
      {
        value: false,
        in: ["staging", "prod"],
        rule: "staging and prod hold production data, so they survive the loss of a zone and keep a backup in the paired region (DESIGN.md §1, §7)",
      },
    ],
  },
} satisfies Record<string, Setting>;

export type SettingKey = keyof typeof SETTINGS;
export const SETTING_KEYS = Object.keys(SETTINGS) as SettingKey[];

/**
 * The matrix rows that config cannot change: they follow from the environment alone.
 */
export interface FixedDecisions {
  /** localhost origins (devOrigins) are accepted in CORS and SPA redirect URIs. */
  localhostOrigins: boolean;
  /** frontendOrigins and alertEmails must be configured. */
  frontendOriginsRequired: boolean;
  alertEmailsRequired: boolean;
  /** container images must be pinned by digest (`@sha256:`). */
  imageDigestRequired: boolean;
  /** the Temporal UI accepts traffic from the admin IP allowlist (lower envs), or nothing outside the environment. */
  temporalUiAllowlist: boolean;
  /** the longest a break-glass credential may live, in hours; null: none is ever issued. */
  breakGlassMaxHours: number | null;
  /** replicas of the API container app. */
  replicas: { min: number; max: number };
  /** Blob soft delete, container soft delete and versioning on the data account. */
  blobDataProtection: boolean;
  /** Postgres Flexible Server compute and backup retention (days). */
  postgres: { sku: { name: string; tier: "Burstable" | "GeneralPurpose" }; backupRetentionDays: number };
  /** Application Gateway autoscale bounds (where the WAF is on). */
  wafCapacity: { min: number; max: number };
}

/** Sizing is a choice, not an SOP rule; it follows the tier so data stays one table (availability is the `availability` row). */
const LOWER_FIXED: Omit<FixedDecisions, "replicas"> = {
  localhostOrigins: true,
  frontendOriginsRequired: false,
  alertEmailsRequired: false,
  imageDigestRequired: false,
  temporalUiAllowlist: true,
  breakGlassMaxHours: 24,
  blobDataProtection: false,
  postgres: { sku: { name: "Standard_B1ms", tier: "Burstable" }, backupRetentionDays: 7 },
  wafCapacity: { min: 1, max: 3 },
};

/**
 * The smallest Postgres compute with high availability (Burstable has none): the higher tier's, and
 * what a lower environment gets when it turns `availability` on.
 */
export const POSTGRES_HA_SKU: FixedDecisions["postgres"]["sku"] = {
  name: "Standard_D2ds_v5",
  tier: "GeneralPurpose",
};

const HIGHER_FIXED: Omit<FixedDecisions, "replicas"> = {
  ...LOWER_FIXED,
  localhostOrigins: false,
  frontendOriginsRequired: true,
  alertEmailsRequired: true,
  imageDigestRequired: true,
  blobDataProtection: true,
  postgres: { sku: POSTGRES_HA_SKU, backupRetentionDays: 35 },
};

export const FIXED: PerEnv<FixedDecisions> = {
  dev: { ...LOWER_FIXED, replicas: { min: 0, max: 2 } },
  test: { ...LOWER_FIXED, replicas: { min: 1, max: 2 } },
  uat: { ...HIGHER_FIXED, replicas: { min: 1, max: 3 } },
  staging: { ...HIGHER_FIXED, replicas: { min: 1, max: 5 } },
  prod: {
    ...HIGHER_FIXED,
    temporalUiAllowlist: false,
    breakGlassMaxHours: null,
    replicas: { min: 2, max: 10 },
    wafCapacity: { min: 2, max: 10 },
  },
};

/** One decision in force, and where it came from (for the plan report). */
export interface Decision<T> {
  value: T;
  source: "default" | "override";
}

export type SettingValues = { [K in SettingKey]: (typeof SETTINGS)[K]["defaults"][Environment] };
export type Decisions = { [K in SettingKey]: Decision<SettingValues[K]> };

/**
 * Checks one override against the matrix. Returns the rule it breaks, or undefined when the value
 * is allowed in that environment.
 */
export function refusalOf(key: SettingKey, value: SettingValue, env: Environment): string | undefined {
  const setting: Setting = SETTINGS[key];
  for (const r of setting.refusals as readonly Refusal<SettingValue>[]) {
    if (!r.in.includes(env)) continue;
    const hit = typeof r.value === "function" ? r.value(value, env) : r.value === value;
    if (hit) return r.rule;
  }
  return undefined;
}

/** The decisions in force for an environment: defaults, replaced by the (already checked) overrides. */
export function decide(env: Environment, overrides: Partial<Record<SettingKey, SettingValue>>): Decisions {
  const out: Record<string, Decision<SettingValue>> = {};
  for (const key of SETTING_KEYS) {
    const o = overrides[key];
    out[key] =
      o === undefined
        ? { value: SETTINGS[key].defaults[env], source: "default" }
        : { value: o, source: "override" };
  }
  return out as Decisions;
}
