import type { Output } from "@pulumi/pulumi";
import { z } from "zod";
import { addressSpaceProblem, parseCidr } from "../lib/cidr";
import { defaultNameSuffix, emailReceiverName } from "../lib/naming";
import { byCodePoint, escapeText, hasUnsafeText } from "../lib/text";
import {
  decide,
  Decisions,
  ENVIRONMENTS,
  Environment,
  FIXED,
  FixedDecisions,
  isEnvironment,
  LOWER_ENVIRONMENTS,
  refusalOf,
  SETTINGS,
  SETTING_KEYS,
  SettingKey,
} from "./matrix";

/**
 * Every rule of the stack's config. `validateConfig` is pure (strings in, a typed object or a list
 * of problems out), so every rule is tested without Pulumi and the plan command refuses a stack
 * without loading the SDK; `loadConfig` (src/load-config.ts, the only place that reads Pulumi's
 * config) feeds it from the Pulumi runtime and throws one `ConfigError` with every problem before
 * any resource exists.
 */

export const NAMESPACE = "engram";

/** The secret settings: read only with getSecret/requireSecret, never printed. */
export const SECRET_SETTINGS = {
  azureAiKey: {
    required: true,
    vaultSecret: "azure-ai-key",
    what: "the Azure AI Services (APIM subscription) key",
  },
  voiceliveApiKey: { required: false, vaultSecret: "voicelive-api-key", what: "the Azure VoiceLive API key" },
  anthropicApiKey: {
    required: false,
    vaultSecret: "anthropic-api-key",
    what: "the Anthropic Claude API key",
  },
  geminiApiKey: { required: false, vaultSecret: "gemini-api-key", what: "the Google Gemini API key" },
} as const;
export type SecretSettingKey = keyof typeof SECRET_SETTINGS;
export const SECRET_SETTING_KEYS = Object.keys(SECRET_SETTINGS) as SecretSettingKey[];

export const APP_ROLE_VALUES = ["Admin", "Analyst", "PM", "Viewer"] as const;
export type AppRoleValue = (typeof APP_ROLE_VALUES)[number];

export const SERVICES = ["backend", "worker", "zep", "temporal", "temporalUi"] as const;
export type ImageService = (typeof SERVICES)[number];

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

const DEFAULT_THRESHOLDS: AlertThresholds = {
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

/**
 * The providers this program uses with their default provider, and the config keys each takes (from
 * the installed packages' `config` modules; tests/reliability.test.ts fails when an upgrade
 * changes them). `pulumi:` holds the engine's own settings.
 */
export const PROVIDER_CONFIG_KEYS: Record<string, readonly string[]> = {
  "azure-native": [
    "auxiliaryTenantIds",
    "clientCertificatePassword",
    "clientCertificatePath",
    "clientId",
    "clientSecret",
    "disableInstanceDiscovery",
    "disablePulumiPartnerId",
    "environment",
    "location",
    "metadataHost",
    "msiEndpoint",
    "oidcRequestToken",
    "oidcRequestUrl",
    "oidcToken",
    "oidcTokenFilePath",
    "partnerId",
    "subscriptionId",
    "tenantId",
    "useDefaultAzureCredential",
    "useMsi",
    "useOidc",
  ],
  azuread: [
    "adoPipelineServiceConnectionId",
    "clientCertificate",
    "clientCertificatePassword",
    "clientCertificatePath",
    "clientId",
    "clientIdFilePath",
    "clientSecret",
    "clientSecretFilePath",
    "disableTerraformPartnerId",
    "environment",
    "metadataHost",
    "msiEndpoint",
    "oidcRequestToken",
    "oidcRequestUrl",
    "oidcToken",
    "oidcTokenFilePath",
    "partnerId",
    "tenantId",
    "useAksWorkloadIdentity",
    "useCli",
    "useMsi",
    "useOidc",
  ],
  random: [],
  time: [],
  tls: ["proxy"],
  pulumi: ["disable-default-providers", "tags", "autonaming"],
};

/** The providers among PROVIDER_CONFIG_KEYS (the rest is the engine's own `pulumi:` namespace). */
const PROVIDERS = Object.keys(PROVIDER_CONFIG_KEYS).filter((ns) => ns !== "pulumi");

/**
 * Key names that hold credentials (`clientSecret`, `oidcToken`, `clientCertificatePassword`, ...),
 * but not the paths, URLs and ids that merely name where one is.
 */
const SECRET_KEY_NAME =
  /secret|password|passwd|token|credential|private.?key|api.?key|access.?key|connection.?string|^clientcertificate$/i;
const NOT_A_SECRET_NAME = /(path|url|endpoint|id|ids)$/i;
export const looksLikeSecretKey = (name: string): boolean =>
  SECRET_KEY_NAME.test(name) && !NOT_A_SECRET_NAME.test(name);

/** Values that are credentials whatever key holds them: private keys, JWTs, keyed connection strings, SAS signatures. */
const SECRET_VALUE =
  /-----BEGIN [A-Z ]*PRIVATE KEY-----|\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.|(AccountKey|SharedAccessKey|Password|Pwd)=[^;]{4,}|[?&]sig=[A-Za-z0-9%]{16,}/i;
export const looksLikeSecretValue = (value: string): boolean => SECRET_VALUE.test(value);

// ---------------------------------------------------------------------------------------------
// Value schemas. Each message is the rule, quoted after "is not allowed in <env>: ".

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const IMAGE =
  /^[a-z0-9]+([._-][a-z0-9]+)*(\.[a-z0-9-]+)*(:\d+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)+(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;
const DIGEST = /@sha256:[a-f0-9]{64}$/;

const positiveInt = () =>
  z
    .number({ error: "a positive whole number" })
    .int({ error: "a positive whole number" })
    .positive({ error: "a positive whole number" })
    .optional();
const text = (rule: string) => z.string({ error: rule }).trim().min(1, { error: rule });
/** A tag value: Azure takes at most 256 characters. */
const tagValue = (rule: string) =>
  text(rule)
    .max(256, { error: "an Azure tag value is at most 256 characters" })
    .refine((v) => !hasUnsafeText(v), { error: "a tag value holds no control or invisible characters" });
const guid = (rule: string) => z.string({ error: rule }).regex(GUID, { error: rule });

/** An ARM resource id of a DDoS protection plan (resource group 1-90 characters, plan name 1-80). */
const DDOS_PLAN_ID =
  /^\/subscriptions\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\/resourceGroups\/[-\w.()]{1,90}\/providers\/Microsoft\.Network\/ddosProtectionPlans\/[a-z0-9][-\w.]{0,79}$/i;

const schemas = {
  location: z.string({ error: "an Azure region name such as westeurope" }).regex(/^[a-z][a-z0-9]{2,39}$/, {
    error: "an Azure region name such as westeurope",
  }),
  nameSuffix: z
    .string()
    .regex(/^[a-z0-9]{3,6}$/, { error: "the name suffix is 3-6 lowercase letters and digits" }),
  network: z.strictObject(
    {
      addressSpace: z
        .string({ error: "the address space is an IPv4 CIDR from /16 to /22, e.g. 10.20.0.0/16" })
        // The rules live with the subnet carving (lib/cidr.ts), so they can never disagree.
        .superRefine((v, c) => {
          const problem = addressSpaceProblem(v);
          if (problem) c.addIssue({ code: "custom", message: problem });
        }),
    },
    { error: 'network is an object {"addressSpace": "<IPv4 CIDR /16-/22>"}' },
  ),
  tags: z.strictObject(
    {
      owner: tagValue("tags.owner is a non-empty string"),
      costCenter: tagValue("tags.costCenter is a non-empty string"),
    },
    { error: 'tags is an object {"owner": "...", "costCenter": "..."}' },
  ),
  frontendOrigins: z.array(z.string(), { error: "frontendOrigins is a list of https origins" }),
  devOrigins: z.array(z.string(), { error: "devOrigins is a list of http://localhost:PORT origins" }),
  adminIpAllowlist: z.array(z.string(), { error: "adminIpAllowlist is a list of IPv4 addresses or CIDRs" }),
  images: z.strictObject(
    Object.fromEntries(
      SERVICES.map((s) => [
        s,
        z
          .string({
            error: (iss) =>
              iss.input === undefined
                ? `the ${s} image is required`
                : "an image reference such as ghcr.io/org/app:1.2.3 or ...@sha256:<digest>",
          })
          .regex(IMAGE, { error: "an image reference such as ghcr.io/org/app:1.2.3 or ...@sha256:<digest>" }),
      ]),
    ) as Record<ImageService, z.ZodString>,
    { error: "images is an object with backend, worker, zep, temporal and temporalUi image references" },
  ),
  registry: z.string(),
  ddosProtectionPlanId: z.string().regex(DDOS_PLAN_ID, {
    error:
      "the resource id of a Microsoft.Network/ddosProtectionPlans resource (/subscriptions/<subscription id>/resourceGroups/<group>/providers/Microsoft.Network/ddosProtectionPlans/<name>)",
  }),
  groups: z.strictObject(
    Object.fromEntries(
      [...APP_ROLE_GROUPS, ...PLATFORM_GROUPS].map((g) => [
        g,
        guid("a group is an Entra object id (GUID)").optional(),
      ]),
    ) as Record<GroupKey, z.ZodOptional<z.ZodString>>,
    { error: `groups is an object whose keys are ${[...APP_ROLE_GROUPS, ...PLATFORM_GROUPS].join(", ")}` },
  ),
  ai: z.strictObject(
    {
      accountId: z
        .string({ error: "ai.accountId is required" })
        .regex(
          /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[^/]+\/providers\/Microsoft\.CognitiveServices\/accounts\/[^/]+$/i,
          {
            error: "the resource id of a Microsoft.CognitiveServices/accounts resource",
          },
        ),
      endpoint: z
        .url({ protocol: /^https$/, error: "an https URL" })
        // Credentials never ride in the URL (SOP 002): no user:password@, no query (SAS tokens), no fragment.
        .refine((u) => !/^https:\/\/[^/]*@/.test(u) && !u.includes("?") && !u.includes("#"), {
          error:
            "an https URL with no user name, password, query or fragment (credentials are Key Vault secrets)",
        }),
    },
    { error: 'ai is an object {"accountId": "<resource id>", "endpoint": "https://..."}' },
  ),
  alertEmails: z.array(z.email({ error: "an email address" }), {
    error: "alertEmails is a list of email addresses",
  }),
  alertThresholds: z.strictObject(
    {
      authFailures: positiveInt(),
      secretReads: positiveInt(),
      accessDenied: positiveInt(),
      missingSecretExits: positiveInt(),
    },
    {
      error:
        "alertThresholds is an object with authFailures, secretReads, accessDenied and missingSecretExits",
    },
  ),
  signInAlerts: z
    .enum(["true", "false"], { error: "the value is true or false" })
    .transform((v) => v === "true"),
  retiredAppRoles: z.array(
    z.enum(APP_ROLE_VALUES, { error: `an app role value: ${APP_ROLE_VALUES.join(", ")}` }),
  ),
  removedAppRoles: z.array(
    z.enum(APP_ROLE_VALUES, { error: `an app role value: ${APP_ROLE_VALUES.join(", ")}` }),
  ),
};

type PlainKey = keyof typeof schemas;
const schemaOf = (key: string): z.ZodType | undefined => (schemas as Record<string, z.ZodType>)[key];
const keysWhere = (test: (schema: z.ZodType) => boolean) =>
  new Set(Object.keys(schemas).filter((k) => test(schemaOf(k) as z.ZodType)));
/** Keys whose value is a list: Pulumi sets them element by element with `--path 'key[0]'`. */
const LIST_KEYS = keysWhere((s) => s instanceof z.ZodArray);
/** Keys whose raw value is JSON: the objects and the lists (derived from their schemas). */
const JSON_KEYS = keysWhere((s) => s instanceof z.ZodObject || s instanceof z.ZodArray);

const REQUIRED: Record<string, string> = {
  environment: `the environment selects the matrix row: one of ${ENVIRONMENTS.join(", ")}`,
  location: "the Azure region is required",
  network: "the VNet address space is required (engram:network.addressSpace)",
  tags: "owner and costCenter tags are required on every resource",
  images: "the container images are required",
  ai: "the Azure AI account (engram:ai.accountId, engram:ai.endpoint) is required",
};

/** Every key this program reads in the `engram:` namespace. */
export const KNOWN_KEYS: readonly string[] = [
  "environment",
  ...Object.keys(schemas),
  ...SETTING_KEYS,
  ...SECRET_SETTING_KEYS,
];

// ---------------------------------------------------------------------------------------------

/** How a value is shown in a message: scalars as they are, structures as JSON (escaped at the end). */
function show(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  // A pasted file must not flood the terminal: long values are cut, with their length.
  return text.length > 300 ? `${text.slice(0, 300)}... (${text.length} characters)` : text;
}

/** What a value is, for a type error: `the string "50"`, `the number 5`, `null`, `a list`. */
function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "string") return `the string ${JSON.stringify(value)}`;
  if (typeof value === "object") return "an object";
  return `the ${typeof value} ${String(value)}`;
}

/** The type a schema expected, in words. Every number this program reads is a whole number. */
const EXPECTED: Record<string, string> = {
  number: "a whole number",
  int: "a whole number",
  string: "a string",
  boolean: "true or false",
  array: "a list",
  object: "an object",
};

function notAllowed(key: string, value: unknown, env: string, rule: string): string {
  return `${NAMESPACE}:${key}=${show(value)} is not allowed in ${env}: ${rule}`;
}

/** The command that sets a key. Objects and lists need `--path`; without it Pulumi stores a plain string. */
function setCommand(key: string, secret: boolean): string {
  if (secret) return `pulumi config set --secret ${NAMESPACE}:${key} <value>`;
  if (LIST_KEYS.has(key)) return `pulumi config set --path '${NAMESPACE}:${key}[0]' <value>`;
  const schema = schemaOf(key);
  if (schema instanceof z.ZodObject) {
    const fields = Object.keys(schema.shape);
    const field = fields.length === 1 ? fields[0] : `<${fields.join("|")}>`;
    return `pulumi config set --path ${NAMESPACE}:${key}.${field} <value>`;
  }
  return `pulumi config set${key.includes(".") ? " --path" : ""} ${NAMESPACE}:${key} <value>`;
}

function missing(key: string, env: string, rule: string, secret = false): string {
  const how = setCommand(key, secret);
  return `${NAMESPACE}:${key} is missing in ${env}: ${rule}; set it with \`${how}\``;
}

/** How many edits still count as a typo of a key: about a third of its length, 1 to 3. */
const nearEnough = (word: string) => Math.min(3, Math.max(1, Math.floor(word.length / 3)));

/** A key as a message shows it: quoted when blanks or other non-printable characters would hide in it. */
const showKey = (key: string) => (/^[\x21-\x7e]+$/.test(key) ? key : JSON.stringify(key));

function levenshtein(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length][b.length];
}

function unknownKey(key: string, known: readonly string[] = KNOWN_KEYS): string {
  // `pulumi config set engram:network.addressSpace` without --path stores a flat key of that name.
  const head = key.split(/[.[]/)[0];
  if (known === KNOWN_KEYS && head !== key && JSON_KEYS.has(head))
    return `${NAMESPACE}:${key} is not a known setting: ${head} is an object or list; set its parts with \`pulumi config set --path ${NAMESPACE}:${key} <value>\` (without --path Pulumi stores a flat key)`;
  const best = [...known].sort(
    (x, y) =>
      levenshtein(key.toLowerCase(), x.toLowerCase()) - levenshtein(key.toLowerCase(), y.toLowerCase()),
  )[0];
  const hint =
    levenshtein(key.toLowerCase(), best.toLowerCase()) <= nearEnough(key)
      ? `did you mean ${NAMESPACE}:${best}?`
      : "remove it or fix its spelling";
  return `${showKey(`${NAMESPACE}:${key}`)} is not a known setting: ${hint} (known settings are listed in README.md)`;
}

/** Parses a raw config string as Pulumi stores it. */
function parseRaw(key: string, raw: string): { ok: true; value: unknown } | { ok: false } {
  if (!JSON_KEYS.has(key)) return { ok: true, value: raw };
  try {
    return { ok: true, value: JSON.parse(raw) };
  } catch {
    return { ok: false };
  }
}

function zodProblems(key: string, value: unknown, env: string, error: z.ZodError): string[] {
  return error.issues.flatMap((issue) => {
    // List elements as `key[0]`, the form `pulumi config set --path` takes.
    const parts = issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`));
    const path = key + parts.join("");
    const schema = (schemas as Record<string, z.ZodType>)[key];
    if (issue.code === "unrecognized_keys" && issue.path.length === 0 && schema instanceof z.ZodObject) {
      const fields = Object.keys(schema.shape).map((f) => `${key}.${f}`);
      return issue.keys.map((k) => unknownKey(`${key}.${k}`, fields));
    }
    let v: unknown = value;
    for (const p of issue.path)
      v = v !== null && typeof v === "object" ? (v as Record<string, unknown>)[p as string] : undefined;
    if (v === undefined) return missing(path, env, issue.message);
    if (issue.code === "invalid_type") {
      // Say what was expected and what was given; the schema's own wording follows when it adds a shape.
      const expected = EXPECTED[issue.expected] ?? issue.expected;
      const shape = issue.message.includes(" is an object") || issue.message.includes(" is a list");
      const rule = `expected ${expected}, got ${describeValue(v)}${shape ? ` (${issue.message})` : ""}`;
      return notAllowed(path, v, env, rule);
    }
    return notAllowed(path, v, env, issue.message);
  });
}

/**
 * A value Pulumi holds as secret never appears in a message, even when it was stored under a key
 * that expects plain config (its parts, for JSON values, are hidden too); nor does a plain value
 * that looks like a credential, or one held under a credential's key name in another namespace.
 * Then every message is escaped: a value can neither forge a second line nor reach a terminal's
 * escape sequences.
 */
function redact(problems: string[], raw: RawConfig): string[] {
  const hidden = new Set<string>();
  const collect = (v: unknown): void => {
    if (typeof v === "string" || typeof v === "number") hidden.add(String(v));
    else if (v !== null && typeof v === "object") Object.values(v).forEach(collect);
  };
  const hide = (v: string | undefined) => {
    if (v === undefined) return;
    hidden.add(v);
    try {
      collect(JSON.parse(v));
    } catch {
      // not JSON: the raw string is all there is
    }
  };
  for (const k of raw.secretKeys) hide(raw.values[k]);
  for (const v of Object.values(raw.values)) if (looksLikeSecretValue(v)) hide(v);
  const foreign = raw.foreign ?? { values: {}, secretKeys: [] };
  for (const [k, v] of Object.entries(foreign.values))
    if (
      foreign.secretKeys.includes(k) ||
      looksLikeSecretKey(k.slice(k.indexOf(":") + 1)) ||
      looksLikeSecretValue(v)
    )
      hide(v);
  const secrets = [...hidden].filter((h) => h.trim().length >= 3).sort((a, b) => b.length - a.length);
  return problems.map((p) => escapeText(secrets.reduce((msg, h) => msg.split(h).join("[secret]"), p)));
}

function levenshteinNearest(word: string, candidates: readonly string[]): { best: string; distance: number } {
  let best = candidates[0] ?? "";
  let distance = Infinity;
  for (const c of candidates) {
    const d = levenshtein(word.toLowerCase(), c.toLowerCase());
    if (d < distance) [best, distance] = [c, d];
  }
  return { best, distance };
}

/** How to store a value as a secret (SOP 002), for the refusals of plain credentials. */
const secretHint = (fullKey: string) =>
  `credentials are stored encrypted; set it with \`pulumi config set --secret ${fullKey} <value>\` (SOP 002: no secrets in plain text)`;

/**
 * The keys outside the `engram:` namespace: each must be a setting of a provider this program
 * uses (or of the Pulumi engine); a key in the project's default namespace, a misspelt namespace or
 * no namespace at all would be silently ignored, so each is refused with the key it most likely
 * meant. Credentials are never plain text here either.
 */
function foreignProblems(raw: RawConfig, env: string): string[] {
  const problems: string[] = [];
  const foreign = raw.foreign ?? { values: {}, secretKeys: [] };
  const engramHint = (name: string, how: string) => {
    const { best, distance } = levenshteinNearest(name, KNOWN_KEYS);
    return distance <= nearEnough(name)
      ? `did you mean ${NAMESPACE}:${best}? ${how.replace("<key>", best)}`
      : `this program's settings are ${NAMESPACE}:<key> (listed in README.md)`;
  };
  const namespaces = [NAMESPACE, ...Object.keys(PROVIDER_CONFIG_KEYS)];
  for (const fullKey of Object.keys(foreign.values).sort(byCodePoint)) {
    const value = foreign.values[fullKey];
    const key = showKey(fullKey);
    const colon = fullKey.indexOf(":");
    const ns = colon < 0 ? "" : fullKey.slice(0, colon);
    const name = colon < 0 ? fullKey : fullKey.slice(colon + 1);
    if (colon < 0 || ns === "" || name === "") {
      problems.push(
        `${key} is not a known setting: a config key is <namespace>:<name>, so this one is never read; ${engramHint(name || ns, `set it with \`pulumi config set ${NAMESPACE}:<key> <value>\``)}`,
      );
      continue;
    }
    if (ns === NAMESPACE) continue; // the caller's own keys
    if (ns === raw.project) {
      problems.push(
        `${key} is not a known setting: it is in the project's default namespace ${ns}, which this program does not read (\`pulumi config set\` without a namespace writes there); ${engramHint(name, `move it: \`pulumi config rm ${key}\`, then \`pulumi config set ${NAMESPACE}:<key> <value>\``)}`,
      );
      continue;
    }
    const providerKeys = PROVIDER_CONFIG_KEYS[ns];
    if (providerKeys === undefined) {
      const near = levenshteinNearest(ns, namespaces);
      problems.push(
        near.distance <= Math.min(2, Math.floor(ns.length / 3))
          ? `${key} is not a known setting: this program does not read namespace ${ns}; did you mean ${near.best}:${name}?`
          : `${key} is not a known setting: this program does not read namespace ${ns} (it reads ${NAMESPACE}, pulumi and the providers ${PROVIDERS.join(", ")}); remove it or fix its namespace`,
      );
      continue;
    }
    if (!providerKeys.includes(name)) {
      const near = levenshteinNearest(name, providerKeys);
      problems.push(
        `${key} is not a known setting of the ${ns} ${ns === "pulumi" ? "engine" : "provider"}: ${
          near.distance <= nearEnough(name)
            ? `did you mean ${ns}:${near.best}?`
            : "remove it or fix its spelling"
        }${providerKeys.length ? ` (its settings: ${providerKeys.join(", ")})` : " (it takes no settings)"}`,
      );
      continue;
    }
    const secret = foreign.secretKeys.includes(fullKey);
    if (!secret && value.trim() === "")
      problems.push(
        `${key} is empty in ${env}: an empty value is not a value; set one, or remove the key with \`pulumi config rm ${key}\``,
      );
    else if (!secret && (looksLikeSecretKey(name) || looksLikeSecretValue(value)))
      problems.push(`${key}=[plain text] is not allowed in ${env}: ${secretHint(key)}`);
  }
  return problems;
}

/**
 * Validates raw config against the schemas and the matrix. Pure; collects every problem.
 */
export function validateConfig(
  raw: RawConfig,
): { ok: true; config: ValidatedConfig } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  // The working copy: empty values and plain credentials are refused once, then left out of the
  // checks that follow (which would only repeat the refusal, or quote the value).
  const values = { ...raw.values };

  for (const key of Object.keys(values).sort(byCodePoint)) {
    if (!KNOWN_KEYS.includes(key)) {
      problems.push(unknownKey(key));
      delete values[key];
    }
  }

  const envRaw = values.environment;
  const stackContext = `stack ${raw.stack}`;
  if (envRaw === undefined || envRaw.trim() === "" || !isEnvironment(envRaw)) {
    problems.unshift(
      envRaw === undefined
        ? missing("environment", stackContext, REQUIRED.environment)
        : envRaw.trim() === ""
          ? `${NAMESPACE}:environment is empty in ${stackContext}: ${REQUIRED.environment}; set it with \`${setCommand("environment", false)}\``
          : notAllowed("environment", envRaw, stackContext, `must be one of ${ENVIRONMENTS.join(", ")}`),
    );
    problems.push(...foreignProblems(raw, stackContext));
    return { ok: false, problems: redact(problems, raw) };
  }
  const env: Environment = envRaw;
  const fixed = FIXED[env];

  // Empty is not a value: `location:` left empty, `nameSuffix: ~`, or "" never fall back to a
  // default or reach Azure as "null".
  const empty = new Set<string>();
  for (const key of Object.keys(values).sort(byCodePoint)) {
    const v = values[key];
    if (v.trim() !== "" && v !== "null") continue;
    if (
      v === "null" &&
      JSON_KEYS.has(key) === false &&
      !SECRET_SETTING_KEYS.includes(key as SecretSettingKey)
    )
      continue; // the text "null" in a plain key is checked by its own rule
    empty.add(key);
    delete values[key];
    const secret = SECRET_SETTING_KEYS.includes(key as SecretSettingKey);
    const required = REQUIRED[key] ?? (secret ? SECRET_SETTINGS[key as SecretSettingKey].required : false);
    problems.push(
      required
        ? `${NAMESPACE}:${key} is empty in ${env}: ${typeof required === "string" ? required : `${SECRET_SETTINGS[key as SecretSettingKey].what} is required`}; set it with \`${setCommand(key, secret)}\``
        : `${NAMESPACE}:${key} is empty in ${env}: an empty value is not a value; set one, or remove the key with \`pulumi config rm ${NAMESPACE}:${key}\` to use the default`,
    );
  }

  // A list or an object where a single value belongs (Pulumi hands structures over as JSON).
  for (const key of Object.keys(values).sort(byCodePoint)) {
    if (JSON_KEYS.has(key) || !/^\s*[[{]/.test(values[key])) continue;
    let structure: unknown;
    try {
      structure = JSON.parse(values[key]);
    } catch {
      continue; // text that merely starts with a bracket: its own rule judges it
    }
    if (structure === null || typeof structure !== "object") continue;
    const setting = (SETTINGS as Record<string, { kind: string; unit?: string }>)[key];
    const expected = setting
      ? setting.kind === "boolean"
        ? "true or false"
        : `a whole number of ${setting.unit}`
      : "a single value";
    problems.push(notAllowed(key, values[key], env, `expected ${expected}, got ${describeValue(structure)}`));
    delete values[key];
    empty.add(key);
  }

  // A credential in plain text under a setting that is not a secret (SOP 002); never quoted.
  for (const key of Object.keys(values).sort(byCodePoint)) {
    if (SECRET_SETTING_KEYS.includes(key as SecretSettingKey) || raw.secretKeys.includes(key)) continue;
    if (!looksLikeSecretValue(values[key])) continue;
    delete values[key];
    empty.add(key);
    problems.push(
      `${NAMESPACE}:${key}=[plain text] is not allowed in ${env}: the value looks like a credential (a private key, a token or a connection string with a key); ${NAMESPACE}:${key} is not a secret setting, and ${secretHint(`${NAMESPACE}:<secret setting>`)}`,
    );
  }

  problems.push(...foreignProblems(raw, env));

  // Plain keys: parse and check shape.
  const parsed: Partial<Record<PlainKey, unknown>> = {};
  for (const key of Object.keys(schemas) as PlainKey[]) {
    const rawValue = values[key];
    if (rawValue === undefined) {
      if (REQUIRED[key] && !empty.has(key)) problems.push(missing(key, env, REQUIRED[key]));
      continue;
    }
    const p = parseRaw(key, rawValue);
    if (!p.ok) {
      // Pulumi stores objects and lists as JSON; a plain string here was set without --path.
      const expected = LIST_KEYS.has(key) ? "a list" : "an object";
      problems.push(
        notAllowed(
          key,
          rawValue,
          env,
          /^\s*[[{]/.test(rawValue)
            ? `the value is not valid JSON (${expected}; objects and lists are JSON in Pulumi config)`
            : `expected ${expected}, got the string ${JSON.stringify(rawValue)}; set it with \`${setCommand(key, false)}\``,
        ),
      );
      continue;
    }
    const r = schemas[key].safeParse(p.value);
    if (!r.success) problems.push(...zodProblems(key, p.value, env, r.error));
    else parsed[key] = r.data;
  }

  // The provider's default region and the program's region must agree, or resources that take the
  // provider's default would land elsewhere.
  const providerLocation = raw.foreign?.values["azure-native:location"];
  if (
    parsed.location !== undefined &&
    providerLocation !== undefined &&
    providerLocation.trim() !== "" &&
    providerLocation !== parsed.location
  )
    problems.push(
      notAllowed(
        "location",
        parsed.location,
        env,
        `it differs from azure-native:location=${providerLocation}; resources that take the provider's default region would land elsewhere (set both to the same region, or remove azure-native:location)`,
      ),
    );

  // Matrix settings.
  const overrides: Partial<Record<SettingKey, boolean | number>> = {};
  for (const key of SETTING_KEYS) {
    const rawValue = values[key];
    if (rawValue === undefined) continue;
    const setting = SETTINGS[key];
    let value: boolean | number;
    if (setting.kind === "boolean") {
      if (rawValue !== "true" && rawValue !== "false") {
        problems.push(notAllowed(key, rawValue, env, "the value is true or false"));
        continue;
      }
      value = rawValue === "true";
    } else {
      value = Number(rawValue);
      // Decimal only: Number() would also take "0x10", "1e2" or "Infinity".
      if (!/^-?\d+(\.\d+)?$/.test(rawValue)) {
        problems.push(notAllowed(key, rawValue, env, `the value is a number of ${setting.unit}`));
        continue;
      }
    }
    const rule = refusalOf(key, value, env);
    if (rule) problems.push(notAllowed(key, value, env, rule));
    else overrides[key] = value;
  }

  // Secrets: present, and stored as secrets. Values are never read here.
  const secretsPresent: SecretSettingKey[] = [];
  for (const key of SECRET_SETTING_KEYS) {
    const spec = SECRET_SETTINGS[key];
    if (values[key] === undefined) {
      if (spec.required && !empty.has(key))
        problems.push(
          missing(key, env, `${spec.what} is required (SOP 002, Key Vault secret ${spec.vaultSecret})`, true),
        );
      continue;
    }
    if (!raw.secretKeys.includes(key)) {
      problems.push(
        notAllowed(
          key,
          "[plain text]",
          env,
          `secret settings are stored encrypted; set it with \`pulumi config set --secret ${NAMESPACE}:${key} <value>\` (SOP 002: no secrets in plain text)`,
        ),
      );
      continue;
    }
    secretsPresent.push(key);
  }

  // Rules that combine a value with the environment.
  /** A list the matrix requires where `required`: refused when missing, or when set but empty. */
  const requiredList = (key: "frontendOrigins" | "alertEmails", required: boolean, rule: string) => {
    if (!required) return;
    if (values[key] === undefined) problems.push(missing(key, env, rule));
    else if (Array.isArray(parsed[key]) && parsed[key].length === 0)
      problems.push(notAllowed(key, [], env, rule));
  };

  /** Each list names a thing once: a repeated entry is refused, never silently merged. */
  const noRepeats = (key: string, list: readonly string[], same: (v: string) => string, how: string) => {
    const first = new Map<string, number>();
    list.forEach((v, i) => {
      const k = same(v);
      const j = first.get(k);
      if (j === undefined) first.set(k, i);
      else problems.push(notAllowed(`${key}[${i}]`, v, env, `it repeats ${key}[${j}]${how}; list each once`));
    });
  };
  /** An origin's port: 1-65535, and never the scheme's default (browsers send the origin without it). */
  const portProblem = (origin: string, scheme: "http" | "https"): string | undefined => {
    const m = /:(\d+)$/.exec(origin.slice(scheme.length + 3));
    if (!m) return undefined;
    const port = Number(m[1]);
    if (port < 1 || port > 65535 || m[1].startsWith("0"))
      return `the port ${m[1]} is not a TCP port (1-65535)`;
    if ((scheme === "https" && port === 443) || (scheme === "http" && port === 80))
      return `leave out the default port ${port}: browsers send the origin as ${origin.slice(0, -m[0].length)}, which would never match`;
    return undefined;
  };

  const frontendOrigins = (parsed.frontendOrigins as string[] | undefined) ?? [];
  frontendOrigins.forEach((o, i) => {
    const k = `frontendOrigins[${i}]`;
    if (o.includes("*"))
      problems.push(notAllowed(k, o, env, "wildcard origins are never allowed (SOP 001 CORS: no wildcards)"));
    else if (o.startsWith("http://"))
      problems.push(
        notAllowed(
          k,
          o,
          env,
          "frontend origins are https (SOP 001 CORS); localhost origins belong in engram:devOrigins",
        ),
      );
    else if (
      !/^https:\/\/[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+(:\d{1,5})?$/.test(o)
    )
      problems.push(
        notAllowed(k, o, env, "an origin is scheme://host[:port] with no path, e.g. https://app.example.com"),
      );
    else if (o.length > "https://".length + 253 || o.split(/[/.:]/).some((label) => label.length > 63))
      problems.push(
        notAllowed(k, o, env, "a host name is at most 253 characters, each label at most 63 (DNS)"),
      );
    else {
      const port = portProblem(o, "https");
      if (port) problems.push(notAllowed(k, o, env, port));
    }
  });
  noRepeats("frontendOrigins", frontendOrigins, (o) => o, "");
  requiredList(
    "frontendOrigins",
    fixed.frontendOriginsRequired,
    "uat, staging and prod name their frontends (SOP 001 CORS: restrict to env frontends)",
  );

  const devOriginsSet = values.devOrigins !== undefined;
  const devOrigins =
    (parsed.devOrigins as string[] | undefined) ??
    (fixed.localhostOrigins ? ["http://localhost:3000", "http://localhost:5173"] : []);
  if (devOriginsSet && !fixed.localhostOrigins && devOrigins.length > 0)
    problems.push(
      notAllowed(
        "devOrigins",
        devOrigins,
        env,
        "localhost origins are allowed only in dev and test (SOP 001 CORS)",
      ),
    );
  else
    devOrigins.forEach((o, i) => {
      if (o.includes("*"))
        problems.push(
          notAllowed(
            `devOrigins[${i}]`,
            o,
            env,
            "wildcard origins are never allowed (SOP 001 CORS: no wildcards)",
          ),
        );
      else if (!/^http:\/\/(localhost|127\.0\.0\.1):\d{2,5}$/.test(o))
        problems.push(
          notAllowed(
            `devOrigins[${i}]`,
            o,
            env,
            "a dev origin is http://localhost:PORT or http://127.0.0.1:PORT",
          ),
        );
      else {
        const port = portProblem(o, "http");
        if (port) problems.push(notAllowed(`devOrigins[${i}]`, o, env, port));
      }
    });
  if (devOriginsSet) noRepeats("devOrigins", devOrigins, (o) => o, "");

  const allowlist = (parsed.adminIpAllowlist as string[] | undefined) ?? [];
  allowlist.forEach((c, i) => {
    const k = `adminIpAllowlist[${i}]`;
    const cidr = parseCidr(c);
    if (!cidr) problems.push(notAllowed(k, c, env, "an IPv4 address or CIDR with no host bits set"));
    else if (cidr.prefix <= 8)
      problems.push(
        notAllowed(
          k,
          c,
          env,
          "an allowlist entry narrower than /8; it restricts admin surfaces (SOP 000 Network Policy)",
        ),
      );
  });
  noRepeats(
    "adminIpAllowlist",
    allowlist,
    (c) => {
      const cidr = parseCidr(c);
      return cidr ? `${cidr.base}/${cidr.prefix}` : c;
    },
    " (the same network; a bare address is a /32)",
  );

  const images = parsed.images as Record<ImageService, string> | undefined;
  if (images && fixed.imageDigestRequired)
    for (const s of SERVICES)
      if (!DIGEST.test(images[s]))
        problems.push(
          notAllowed(
            `images.${s}`,
            images[s],
            env,
            "images are pinned by digest (@sha256:...) in uat, staging and prod (DESIGN.md §1)",
          ),
        );

  let registry: ValidatedConfig["registry"];
  if (parsed.registry !== undefined) {
    const r = parsed.registry as string;
    const acr =
      /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[^/]+\/providers\/Microsoft\.ContainerRegistry\/registries\/([a-zA-Z0-9]{5,50})$/i.exec(
        r,
      );
    const port = /:(\d+)$/.exec(r)?.[1];
    if (acr) registry = { acrId: r, loginServer: `${acr[1].toLowerCase()}.azurecr.io` };
    else if (port !== undefined && (Number(port) < 1 || Number(port) > 65535 || port.startsWith("0")))
      problems.push(notAllowed("registry", r, env, `the port ${port} is not a TCP port (1-65535)`));
    else if (/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+(:\d+)?$/.test(r))
      registry = { loginServer: r };
    else
      problems.push(
        notAllowed(
          "registry",
          r,
          env,
          "an ACR resource id (/subscriptions/.../registries/<name>) or a registry login server such as ghcr.io",
        ),
      );
  }

  const groups = (parsed.groups as Partial<Record<GroupKey, string>> | undefined) ?? {};
  if (groups.dev !== undefined && !LOWER_ENVIRONMENTS.includes(env))
    problems.push(
      notAllowed(
        "groups.dev",
        groups.dev,
        env,
        "the dev group gets Contributor only in dev and test (DESIGN.md §4)",
      ),
    );

  // With password auth off (the matrix decision; always so in uat/staging/prod) the application
  // server accepts Entra only, so without an Entra administrator nobody could create its roles.
  if (
    !decide(env, overrides).postgresPasswordAuth.value &&
    (values.groups === undefined || (parsed.groups !== undefined && groups.dba === undefined))
  )
    problems.push(
      missing(
        "groups.dba",
        env,
        "the application Postgres server accepts Entra only when postgresPasswordAuth is false (always in uat, staging and prod), and groups.dba is its Entra administrator (DESIGN.md §7)",
      ),
    );

  const alertEmails = (parsed.alertEmails as string[] | undefined) ?? [];
  noRepeats(
    "alertEmails",
    alertEmails,
    (e) => e.toLowerCase(),
    " (e-mail addresses are compared without case)",
  );
  // Receiver names are derived from the addresses; two addresses must never share one.
  const receivers = new Map<string, number>();
  alertEmails.forEach((e, i) => {
    const name = emailReceiverName(e);
    const j = receivers.get(name);
    if (j !== undefined && e.toLowerCase() !== alertEmails[j].toLowerCase())
      problems.push(
        notAllowed(
          `alertEmails[${i}]`,
          e,
          env,
          `its receiver name ${name} is the same as that of alertEmails[${j}]`,
        ),
      );
    else if (j === undefined) receivers.set(name, i);
  });
  requiredList(
    "alertEmails",
    fixed.alertEmailsRequired,
    "uat, staging and prod page someone on security alerts (SOP 000 Logging & Monitoring)",
  );

  const retired = (parsed.retiredAppRoles as AppRoleValue[] | undefined) ?? [];
  const removed = (parsed.removedAppRoles as AppRoleValue[] | undefined) ?? [];
  noRepeats("retiredAppRoles", retired, (r) => r, "");
  noRepeats("removedAppRoles", removed, (r) => r, "");
  for (const r of removed)
    if (retired.includes(r))
      problems.push(
        notAllowed(
          "removedAppRoles",
          removed,
          env,
          `${r} is listed as both retired and removed; a role is first retired (disabled), deployed, then removed`,
        ),
      );

  if (problems.length > 0) return { ok: false, problems: redact(problems, raw) };

  const thresholds = (parsed.alertThresholds as Partial<AlertThresholds> | undefined) ?? {};
  return {
    ok: true,
    config: {
      project: raw.project,
      stack: raw.stack,
      environment: env,
      location: parsed.location as string,
      nameSuffix: (parsed.nameSuffix as string | undefined) ?? defaultNameSuffix(raw.project, raw.stack),
      network: parsed.network as { addressSpace: string },
      tags: parsed.tags as { owner: string; costCenter: string },
      frontendOrigins,
      devOrigins: fixed.localhostOrigins ? [...new Set(devOrigins)] : [],
      adminIpAllowlist: allowlist,
      images: images as Record<ImageService, string>,
      registry,
      ...(parsed.ddosProtectionPlanId !== undefined
        ? { ddosProtectionPlanId: parsed.ddosProtectionPlanId as string }
        : {}),
      groups,
      ai: parsed.ai as { accountId: string; endpoint: string },
      alertEmails: (parsed.alertEmails as string[] | undefined) ?? [],
      alertThresholds: { ...DEFAULT_THRESHOLDS, ...thresholds },
      signInAlerts: (parsed.signInAlerts as boolean | undefined) ?? false,
      retiredAppRoles: retired,
      removedAppRoles: removed,
      decisions: decide(env, overrides),
      fixed,
      secretsPresent,
    },
  };
}

/** The `engram:` keys among full config keys (`engram:location`), without the namespace. */
export function namespaceKeys(fullKeys: readonly string[]): string[] {
  return fullKeys.filter((k) => k.startsWith(`${NAMESPACE}:`)).map((k) => k.slice(NAMESPACE.length + 1));
}

/** The `engram:` values of a full-key config, keyed without the namespace. */
export function namespaceValues(all: Record<string, string>): Record<string, string> {
  return Object.fromEntries(namespaceKeys(Object.keys(all)).map((k) => [k, all[`${NAMESPACE}:${k}`]]));
}

/** The keys of every other namespace (full keys), with the secret ones among them. */
export function foreignConfig(
  all: Record<string, string>,
  isSecret: (fullKey: string) => boolean,
): NonNullable<RawConfig["foreign"]> {
  const keys = Object.keys(all).filter((k) => !k.startsWith(`${NAMESPACE}:`));
  return { values: Object.fromEntries(keys.map((k) => [k, all[k]])), secretKeys: keys.filter(isSecret) };
}
