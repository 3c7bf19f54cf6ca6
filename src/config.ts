import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { addressSpaceProblem, parseCidr } from "./lib/cidr";
import { defaultNameSuffix } from "./lib/naming";
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
 * The only place that reads Pulumi config. `validateConfig` is pure (strings in, a typed object or
 * a list of problems out) so every rule is tested without Pulumi; `loadConfig` feeds it from the
 * Pulumi runtime and throws one `ConfigError` with every problem before any resource exists.
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
  secrets: { azureAiKey: pulumi.Output<string> } & Partial<
    Record<Exclude<SecretSettingKey, "azureAiKey">, pulumi.Output<string>>
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
}

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
const guid = (rule: string) => z.string({ error: rule }).regex(GUID, { error: rule });

const schemas = {
  location: z.string({ error: "an Azure region name such as westeurope" }).regex(/^[a-z][a-z0-9]{2,}$/, {
    error: "an Azure region name such as westeurope",
  }),
  nameSuffix: z
    .string()
    .regex(/^[a-z0-9]{3,6}$/, { error: "the name suffix is 3-6 lowercase letters and digits" }),
  network: z.strictObject(
    {
      addressSpace: z
        .string({ error: "the address space is an IPv4 CIDR from /16 to /22, e.g. 10.20.0.0/16" })
        // The rules live with the subnet carving (src/lib/cidr.ts), so they can never disagree.
        .superRefine((v, c) => {
          const problem = addressSpaceProblem(v);
          if (problem) c.addIssue({ code: "custom", message: problem });
        }),
    },
    { error: 'network is an object {"addressSpace": "<IPv4 CIDR /16-/22>"}' },
  ),
  tags: z.strictObject(
    {
      owner: text("tags.owner is a non-empty string"),
      costCenter: text("tags.costCenter is a non-empty string"),
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
      endpoint: z.url({ protocol: /^https$/, error: "an https URL" }),
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

/** How a value is shown in a message: scalars as they are, structures as JSON. */
function show(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

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
    levenshtein(key.toLowerCase(), best.toLowerCase()) <= 3
      ? `did you mean ${NAMESPACE}:${best}?`
      : "remove it or fix its spelling";
  return `${NAMESPACE}:${key} is not a known setting: ${hint} (known settings are listed in README.md)`;
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
    return v === undefined ? missing(path, env, issue.message) : notAllowed(path, v, env, issue.message);
  });
}

/**
 * A value Pulumi holds as secret never appears in a message, even when it was stored under a key
 * that expects plain config (its parts, for JSON values, are hidden too).
 */
function redact(problems: string[], raw: RawConfig): string[] {
  const hidden = new Set<string>();
  const collect = (v: unknown): void => {
    if (typeof v === "string" || typeof v === "number") hidden.add(String(v));
    else if (v !== null && typeof v === "object") Object.values(v).forEach(collect);
  };
  for (const k of raw.secretKeys) {
    const v = raw.values[k];
    if (v === undefined) continue;
    hidden.add(v);
    try {
      collect(JSON.parse(v));
    } catch {
      // not JSON: the raw string is all there is
    }
  }
  const secrets = [...hidden].filter((h) => h.trim().length >= 3).sort((a, b) => b.length - a.length);
  return problems.map((p) => secrets.reduce((msg, h) => msg.split(h).join("[secret]"), p));
}

/**
 * Validates raw config against the schemas and the matrix. Pure; collects every problem.
 */
export function validateConfig(
  raw: RawConfig,
): { ok: true; config: ValidatedConfig } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  const values = raw.values;

  for (const key of Object.keys(values).sort()) {
    if (!KNOWN_KEYS.includes(key)) problems.push(unknownKey(key));
  }

  const envRaw = values.environment;
  if (envRaw === undefined) {
    problems.unshift(missing("environment", `stack ${raw.stack}`, REQUIRED.environment));
    return { ok: false, problems: redact(problems, raw) };
  }
  if (!isEnvironment(envRaw)) {
    problems.unshift(
      notAllowed("environment", envRaw, `stack ${raw.stack}`, `must be one of ${ENVIRONMENTS.join(", ")}`),
    );
    return { ok: false, problems: redact(problems, raw) };
  }
  const env: Environment = envRaw;
  const fixed = FIXED[env];

  // Plain keys: parse and check shape.
  const parsed: Partial<Record<PlainKey, unknown>> = {};
  for (const key of Object.keys(schemas) as PlainKey[]) {
    const rawValue = values[key];
    if (rawValue === undefined) {
      if (REQUIRED[key]) problems.push(missing(key, env, REQUIRED[key]));
      continue;
    }
    const p = parseRaw(key, rawValue);
    if (!p.ok) {
      problems.push(
        notAllowed(
          key,
          rawValue,
          env,
          "the value is not valid JSON (objects and lists are JSON in Pulumi config)",
        ),
      );
      continue;
    }
    const r = schemas[key].safeParse(p.value);
    if (!r.success) problems.push(...zodProblems(key, p.value, env, r.error));
    else parsed[key] = r.data;
  }

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
      if (!/^\s*-?\d+(\.\d+)?\s*$/.test(rawValue)) {
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
      if (spec.required)
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
  });
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
    });

  const allowlist = (parsed.adminIpAllowlist as string[] | undefined) ?? [];
  allowlist.forEach((c, i) => {
    const k = `adminIpAllowlist[${i}]`;
    const cidr = parseCidr(c);
    if (!cidr) problems.push(notAllowed(k, c, env, "an IPv4 address or CIDR with no host bits set"));
    else if (cidr.prefix < 8)
      problems.push(
        notAllowed(
          k,
          c,
          env,
          "an allowlist entry narrower than /8; it restricts admin surfaces (SOP 000 Network Policy)",
        ),
      );
  });

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
    if (acr) registry = { acrId: r, loginServer: `${acr[1].toLowerCase()}.azurecr.io` };
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

  requiredList(
    "alertEmails",
    fixed.alertEmailsRequired,
    "uat, staging and prod page someone on security alerts (SOP 000 Logging & Monitoring)",
  );

  const retired = (parsed.retiredAppRoles as AppRoleValue[] | undefined) ?? [];
  const removed = (parsed.removedAppRoles as AppRoleValue[] | undefined) ?? [];
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
      frontendOrigins: [...new Set(frontendOrigins)],
      devOrigins: fixed.localhostOrigins ? [...new Set(devOrigins)] : [],
      adminIpAllowlist: allowlist,
      images: images as Record<ImageService, string>,
      registry,
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

/** The keys Pulumi holds as secrets for this run (without the namespace). */
function runtimeSecretKeys(keys: string[]): string[] {
  // `isConfigSecret` is exported by the SDK's runtime but marked internal in its typings.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const runtimeConfig = require("@pulumi/pulumi/runtime/config") as { isConfigSecret(k: string): boolean };
  return keys.filter((k) => runtimeConfig.isConfigSecret(`${NAMESPACE}:${k}`));
}

/**
 * Reads and validates the stack's config. Throws a ConfigError naming every problem; registers
 * nothing. Secret values are read with getSecret/requireSecret and stay Outputs.
 */
/** The `engram:` keys among full config keys (`engram:location`), without the namespace. */
export function namespaceKeys(fullKeys: readonly string[]): string[] {
  return fullKeys.filter((k) => k.startsWith(`${NAMESPACE}:`)).map((k) => k.slice(NAMESPACE.length + 1));
}

/** The `engram:` values of a full-key config, keyed without the namespace. */
export function namespaceValues(all: Record<string, string>): Record<string, string> {
  return Object.fromEntries(namespaceKeys(Object.keys(all)).map((k) => [k, all[`${NAMESPACE}:${k}`]]));
}

export function loadConfig(): EngramConfig {
  const values = namespaceValues(pulumi.runtime.allConfig());
  const result = validateConfig({
    project: pulumi.getProject(),
    stack: pulumi.getStack(),
    values,
    secretKeys: runtimeSecretKeys(Object.keys(values)),
  });
  if (!result.ok) throw new ConfigError(result.problems);

  const cfg = new pulumi.Config(NAMESPACE);
  const secrets: EngramConfig["secrets"] = { azureAiKey: cfg.requireSecret("azureAiKey") };
  for (const key of result.config.secretsPresent) {
    if (key !== "azureAiKey") secrets[key] = cfg.requireSecret(key);
  }
  return { ...result.config, secrets };
}
