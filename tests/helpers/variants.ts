import { encryptedPlaceholder } from "../../scripts/offline/stack-file";
import { Environment, ENVIRONMENTS, SETTINGS } from "../../src/matrix";
import { PlanChange, stackConfig } from "./plan";

/**
 * Variant plans that several test files read. A plan server answers the same request once per run
 * (tests/helpers/plan.ts), so files that need a variant share one plan by asking for exactly the
 * same change (the same object below). Each environment has one shared "rich" variant
 * (`fedSecretsVariant(env)`: every secret fed, plus that environment's optional settings); dev has
 * one more (DEV_OPTIONS), staging two (PROD_LIKE_ACA, AKS_CHANGE.staging). Each test asserts only
 * what its own setting decides; the settings of one variant are independent of each other, and a
 * setting is put only where no other setting of the same variant decides what its tests check.
 */

/** Values fed as secrets: none of them may appear anywhere in a plan (tests/secrets.test.ts). */
export const FED = {
  "engram:azureAiKey": "test-ai-key-7f3a9c1e55d0b2",
  "engram:voiceliveApiKey": "test-voicelive-4b8e21aa90",
  "engram:anthropicApiKey": "test-anthropic-c0ffee1234",
  "engram:geminiApiKey": "test-gemini-deadbeef5678",
};

/**
 * The secrets uat's shared variant feeds: FED, but anthropicApiKey as what an encrypted (`secure:`)
 * value of a stack file reads as offline (tests/secrets.test.ts "an encrypted secret in a stack
 * file": neither the ciphertext's placeholder nor any other value reaches the plan).
 */
export const FED_UAT = {
  ...FED,
  "engram:anthropicApiKey": encryptedPlaceholder("engram:anthropicApiKey"),
};

/**
 * The overrides of dev and test in their fed-secrets variants: Postgres password auth off (who reads
 * postgres-password, tests/secrets.test.ts; groups.dba then required, tests/config.test.ts), the
 * vault's purge protection and retention (tests/secrets.test.ts), the security alerts turned on
 * (tests/alerts.test.ts, tests/plan-server.test.ts), and in dev AUTH_REQUIRED=false (POC mode,
 * tests/config.test.ts).
 */
export const LOWER_OVERRIDES: Record<string, Record<string, string>> = {
  dev: {
    "engram:postgresPasswordAuth": "false",
    "engram:purgeProtection": "true",
    "engram:authRequired": "false",
    "engram:alerts": "true",
  },
  test: {
    "engram:postgresPasswordAuth": "false",
    "engram:keyVaultRetentionDays": "30",
    "engram:alerts": "true",
  },
};

/**
 * dev's shared variant: FED, LOWER_OVERRIDES.dev, and only the DBA group configured (the Postgres
 * Entra admin, which postgresPasswordAuth=false requires): no app-role group and no other platform
 * group (tests/identity.test.ts "retiring an app role": no app-role assignment, no group holds an
 * Azure role).
 */
export const DEV_FED = {
  secrets: FED,
  set: {
    ...LOWER_OVERRIDES.dev,
    "engram:groups": { dba: JSON.parse(stackConfig("dev").values["engram:groups"]).dba as string },
  },
};

/**
 * test's shared variant: FED, LOWER_OVERRIDES.test, no registry configured
 * (tests/container-apps.test.ts: no AcrPull; tests/plan-server.test.ts: `registry: undefined` kept)
 * and the app role PM removed (tests/identity.test.ts "retiring an app role", step 2).
 */
export const TEST_FED = {
  secrets: FED,
  set: { ...LOWER_OVERRIDES.test, "engram:removedAppRoles": ["PM"] },
  unset: ["engram:registry"],
};

/**
 * staging's shared variant: FED and a 6-character name suffix (tests/plan.test.ts "stack names are
 * free": every name still fits).
 */
export const STAGING_FED = { secrets: FED, set: { "engram:nameSuffix": "zz9zz9" } };

/**
 * The CI/CD hub prod's stack file names (the bootstrap's `cicdHub` output): runtime aks requires it
 * (the API server is private), so staging rehearsing AKS takes the same one.
 */
export const CICD_HUB: string = stackConfig("prod").values["engram:cicdHub"];

/**
 * Prod (and staging rehearsing it) on AKS: the change every AKS test plans with, so they share one
 * plan per stack. Empty for prod once prod defaults to `aks` (then the committed plan is read).
 * Nothing else in staging's: tests/aks-workloads.test.ts compares it with the committed staging
 * plan (its Container Apps peer).
 */
export const AKS_CHANGE: Record<"prod" | "staging", { set: Record<string, string> }> = {
  prod: { set: {} },
  staging: { set: { "engram:runtime": "aks", "engram:cicdHub": CICD_HUB } },
};

/** The stacks that run on Container Apps by the matrix's default (tests of ACA resources run over these). */
export const ACA_STACKS = ENVIRONMENTS.filter((e) => SETTINGS.runtime.defaults[e] === "aca");
/** The stacks that run on AKS by the matrix's default (prod). */
export const AKS_STACKS = ENVIRONMENTS.filter((e) => SETTINGS.runtime.defaults[e] === "aks");

/**
 * PROD_LIKE_ACA_STACK (staging) on Container Apps with what only prod had turned on, where the
 * matrix allows it: the WAF (already on in Pulumi.staging.yaml, set here so the variant does not
 * depend on it) and Temporal mTLS. The ACA coverage of the rules prod's Container Apps plan used to
 * prove. One variant for every file (tests/waf.test.ts, tests/runtime.test.ts,
 * tests/temporal-ui-mtls.test.ts: the UI's AcrPull under mTLS on ACA, tests/aks-workloads.test.ts:
 * the Container Apps peer of prod's AKS plan, hence nothing else in it), so the plan servers plan it
 * once. What the matrix cannot switch on in staging (prod's replicas 2-10, the Temporal UI without
 * allowlist) is a FIXED row of prod only and is asserted on prod's AKS plan instead.
 */
export const PROD_LIKE_ACA: { set: Record<string, string> } = {
  set: { "engram:waf": "true", "engram:temporalMtls": "true" },
};
/** The stack PROD_LIKE_ACA applies to. */
export const PROD_LIKE_ACA_STACK = "staging";

/** The organisation's DDoS Network Protection plan in the shared prod variant. */
export const DDOS_PLAN_ID =
  "/subscriptions/5f2c3b1a-8d4e-4c7a-9b6f-0e1d2c3b4a59/resourceGroups/rg-network-shared/providers/Microsoft.Network/ddosProtectionPlans/ddos-engram";

/**
 * Prod's shared variant: FED (tests/secrets.test.ts, tests/aks-workloads.test.ts) and its optional
 * settings turned on (each asserts only its own setting; they are independent): the Entra sign-in
 * alert and 400 days of logs (tests/alerts.test.ts), the Azure CLI pre-authorized
 * (tests/identity.test.ts), the VNet linked to a DDoS protection plan (tests/baseline.test.ts), and
 * images from a registry that is not an ACR (tests/container-apps.test.ts: no AcrPull). A prod plan
 * is the dearest variant.
 */
export const PROD_OPTIONS = {
  secrets: FED,
  set: {
    "engram:registry": "ghcr.io",
    "engram:signInAlerts": "true",
    "engram:logRetentionDays": "400",
    "engram:azureCliPreAuthorized": "true",
    "engram:ddosProtectionPlanId": DDOS_PLAN_ID,
  },
};

/** The custom alert thresholds of the shared uat variant (tests/alerts.test.ts reads them back). */
export const CUSTOM_THRESHOLDS = { authFailures: 7, secretReads: 33, accessDenied: 2, missingSecretExits: 3 };

/**
 * uat's shared variant: FED_UAT (tests/secrets.test.ts) and the settings uat may turn on beyond its
 * defaults (each asserts only its own setting; they are independent): Temporal mTLS
 * (tests/temporal-ui-mtls.test.ts), availability (tests/availability.test.ts), custom alert
 * thresholds (tests/alerts.test.ts), and images from a registry that is not an ACR
 * (tests/container-apps.test.ts: the Temporal UI under mTLS without an ACR). The ACA case of the
 * UI's AcrPull under mTLS is PROD_LIKE_ACA's.
 */
export const UAT_OPTIONS = {
  secrets: FED_UAT,
  set: {
    "engram:temporalMtls": "true",
    "engram:availability": "true",
    "engram:alertThresholds": CUSTOM_THRESHOLDS,
    "engram:registry": "ghcr.io",
  },
};

/**
 * dev with settings beyond its defaults, one plan for the files that read them (each asserts only
 * its own setting; they are independent): availability (tests/availability.test.ts), private
 * endpoints (tests/network.test.ts), images from a registry that is not an ACR
 * (tests/container-apps.test.ts), the app role PM retired and the Azure CLI not pre-authorized
 * (tests/identity.test.ts). Not in DEV_FED: its postgresPasswordAuth=false adds a platform Postgres
 * server, which availability and private endpoints count.
 */
export const DEV_OPTIONS = {
  set: {
    "engram:availability": "true",
    "engram:privateEndpoints": "true",
    "engram:registry": "ghcr.io",
    "engram:retiredAppRoles": ["PM"],
    "engram:azureCliPreAuthorized": "false",
  },
};

/** The shared variant of each environment, every secret fed (tests/secrets.test.ts plans each). */
const FED_VARIANTS = {
  dev: DEV_FED,
  test: TEST_FED,
  uat: UAT_OPTIONS,
  staging: STAGING_FED,
  prod: PROD_OPTIONS,
} satisfies Record<Environment, PlanChange>;

/** The one fed-secrets (shared) variant of an environment. */
export const fedSecretsVariant = (env: Environment): PlanChange => FED_VARIANTS[env];
