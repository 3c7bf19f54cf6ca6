import { ConfigError, RawConfig, validateConfig, ValidatedConfig } from "../src/config";
import { ENVIRONMENTS, Environment, planOk, planRefused, programRun, stackConfig } from "./helpers/plan";
import { PROJECT } from "./helpers/plan-files";
import { baseValues } from "./helpers/config-values";
import { fedSecretsVariant } from "./helpers/variants";

/**
 * Config validation against DESIGN.md §1. Every expected message below is written out literally
 * (not derived from src/matrix.ts), so a changed rule text or a dropped refusal fails here.
 * Pure checks go through `validateConfig`; the refusals also run end to end through the offline
 * plan of the committed stack (`planRefused`), where nothing but the Stack may be registered.
 */

const LOWER: Environment[] = ["dev", "test"];
const HIGHER: Environment[] = ["uat", "staging", "prod"];
const ALL: Environment[] = [...ENVIRONMENTS];

function validate(
  env: Environment,
  change: { set?: Record<string, string>; unset?: string[]; secretKeys?: string[]; stack?: string } = {},
) {
  const values = { ...baseValues(env), ...(change.set ?? {}) };
  for (const k of change.unset ?? []) delete values[k];
  const raw: RawConfig = {
    project: PROJECT,
    stack: change.stack ?? env,
    values,
    secretKeys: change.secretKeys ?? ["azureAiKey"],
  };
  return validateConfig(raw);
}

function problemsOf(env: Environment, change: Parameters<typeof validate>[1]): string[] {
  const r = validate(env, change);
  if (r.ok) throw new Error(`expected ${JSON.stringify(change)} to be refused in ${env}`);
  return r.problems;
}

function accepted(env: Environment, change: Parameters<typeof validate>[1]): ValidatedConfig {
  const r = validate(env, change);
  if (!r.ok)
    throw new Error(`expected ${JSON.stringify(change)} to be accepted in ${env}:\n${r.problems.join("\n")}`);
  return r.config;
}

// ---------------------------------------------------------------------------------------------
// The matrix of DESIGN.md §1: defaults per environment.

const DEFAULTS: Record<string, Record<Environment, boolean | number | string>> = {
  authRequired: { dev: true, test: true, uat: true, staging: true, prod: true },
  allowDevTokens: { dev: true, test: true, uat: false, staging: false, prod: false },
  sharedKeyAccess: { dev: true, test: true, uat: false, staging: false, prod: false },
  privateEndpoints: { dev: false, test: false, uat: true, staging: true, prod: true },
  purgeProtection: { dev: false, test: false, uat: true, staging: true, prod: true },
  keyVaultRetentionDays: { dev: 7, test: 7, uat: 90, staging: 90, prod: 90 },
  secretExpiryDays: { dev: 30, test: 30, uat: 90, staging: 90, prod: 90 },
  zepKeyRotationDays: { dev: 30, test: 30, uat: 60, staging: 60, prod: 60 },
  postgresPasswordRotationDays: { dev: 30, test: 30, uat: 90, staging: 90, prod: 90 },
  waf: { dev: false, test: false, uat: false, staging: false, prod: true },
  peerEncryption: { dev: false, test: false, uat: true, staging: true, prod: true },
  temporalMtls: { dev: false, test: false, uat: false, staging: false, prod: true },
  azureCliPreAuthorized: { dev: true, test: true, uat: true, staging: true, prod: false },
  logRetentionDays: { dev: 30, test: 30, uat: 90, staging: 90, prod: 365 },
  alerts: { dev: false, test: false, uat: true, staging: true, prod: true },
  protectResources: { dev: false, test: false, uat: true, staging: true, prod: true },
  postgresPasswordAuth: { dev: true, test: true, uat: false, staging: false, prod: false },
  availability: { dev: false, test: false, uat: false, staging: true, prod: true },
  // SOP 000: dev, test, uat, staging on Container Apps, prod on AKS (issue 16).
  runtime: { dev: "aca", test: "aca", uat: "aca", staging: "aca", prod: "aks" },
};

// ---------------------------------------------------------------------------------------------
// Every refused override of DESIGN.md §1. `refusedIn` lists the environments that refuse the value
// (with the full message); every other environment accepts it as an override.

interface RefusalCase {
  key: string;
  value: string;
  refusedIn: Environment[];
  message: (env: Environment) => string;
}

const REFUSALS: RefusalCase[] = [
  {
    key: "authRequired",
    value: "false",
    refusedIn: ["test", "uat", "staging", "prod"],
    message: (env) =>
      `engram:authRequired=false is not allowed in ${env}: AUTH_REQUIRED may be false only in dev (SOP 001 POC mode)`,
  },
  {
    key: "allowDevTokens",
    value: "true",
    refusedIn: HIGHER,
    message: (env) =>
      `engram:allowDevTokens=true is not allowed in ${env}: dev tokens are allowed only in dev and test (SOP 000 environment matrix)`,
  },
  {
    key: "sharedKeyAccess",
    value: "true",
    refusedIn: HIGHER,
    message: (env) =>
      `engram:sharedKeyAccess=true is not allowed in ${env}: keys are off in uat, staging and prod: workloads use managed identity only (SOP 000 environment matrix)`,
  },
  {
    key: "privateEndpoints",
    value: "false",
    refusedIn: HIGHER,
    message: (env) =>
      `engram:privateEndpoints=false is not allowed in ${env}: Key Vault, Storage and Postgres are private in uat, staging and prod (SOP 000 Network Controls)`,
  },
  {
    key: "purgeProtection",
    value: "false",
    refusedIn: HIGHER,
    message: (env) =>
      `engram:purgeProtection=false is not allowed in ${env}: purge protection is required in uat, staging and prod (SOP 000 Secrets & Key Management)`,
  },
  ...["6", "91", "7.5"].map((value): RefusalCase => ({
    key: "keyVaultRetentionDays",
    value,
    refusedIn: ALL,
    message: (env) =>
      `engram:keyVaultRetentionDays=${value} is not allowed in ${env}: soft-delete retention is a whole number of days from 7 to 90 (Azure Key Vault limit)`,
  })),
  ...[
    { value: "31", refusedIn: LOWER },
    { value: "91", refusedIn: ALL },
    { value: "0", refusedIn: ALL },
  ].map(({ value, refusedIn }): RefusalCase => ({
    key: "secretExpiryDays",
    value,
    refusedIn,
    message: (env) =>
      `engram:secretExpiryDays=${value} is not allowed in ${env}: secret expiry may be shorter than the matrix default (30 days in dev/test, 90 in uat/staging/prod), never longer (SOP 000 Rotation)`,
  })),
  ...[
    { value: "31", refusedIn: LOWER },
    { value: "61", refusedIn: ALL },
    { value: "0", refusedIn: ALL },
  ].map(({ value, refusedIn }): RefusalCase => ({
    key: "zepKeyRotationDays",
    value,
    refusedIn,
    message: (env) =>
      `engram:zepKeyRotationDays=${value} is not allowed in ${env}: the Zep API key rotates at least every 30 days in dev/test and 60 days in uat/staging/prod (SOP 000 Rotation)`,
  })),
  ...[
    { value: "31", refusedIn: LOWER },
    { value: "91", refusedIn: ALL },
    { value: "0", refusedIn: ALL },
  ].map(({ value, refusedIn }): RefusalCase => ({
    key: "postgresPasswordRotationDays",
    value,
    refusedIn,
    message: (env) =>
      `engram:postgresPasswordRotationDays=${value} is not allowed in ${env}: the Postgres password rotates at least every 30 days in dev/test and 90 days in uat/staging/prod (SOP 000 Rotation)`,
  })),
  {
    key: "waf",
    value: "false",
    refusedIn: ["prod"],
    message: (env) =>
      `engram:waf=false is not allowed in ${env}: prod exposes the API only through the WAF (SOP 000: WAF/APIM front door in prod)`,
  },
  {
    key: "waf",
    value: "true",
    refusedIn: LOWER,
    message: (env) =>
      `engram:waf=true is not allowed in ${env}: the WAF may be turned on only in uat and staging, and is always on in prod (DESIGN.md §1)`,
  },
  {
    key: "peerEncryption",
    value: "false",
    refusedIn: HIGHER,
    message: (env) =>
      `engram:peerEncryption=false is not allowed in ${env}: traffic between apps is encrypted in uat, staging and prod (SOP 000: mTLS where supported)`,
  },
  {
    key: "temporalMtls",
    value: "false",
    refusedIn: ["prod"],
    message: (env) =>
      `engram:temporalMtls=false is not allowed in ${env}: Temporal requires mTLS in prod (SOP 000: Temporal with mTLS)`,
  },
  ...[
    { value: "29", refusedIn: ALL },
    { value: "89", refusedIn: HIGHER },
    { value: "364", refusedIn: ["prod"] as Environment[] },
    { value: "731", refusedIn: ALL },
  ].map(({ value, refusedIn }): RefusalCase => ({
    key: "logRetentionDays",
    value,
    refusedIn,
    message: (env) =>
      `engram:logRetentionDays=${value} is not allowed in ${env}: log retention is never below the matrix (30 days in dev/test, 90 in uat/staging, 365 in prod) nor above 730 (SOP 000 Audit & Logging)`,
  })),
  {
    key: "alerts",
    value: "false",
    refusedIn: HIGHER,
    message: (env) =>
      `engram:alerts=false is not allowed in ${env}: security alerts are required in uat, staging and prod (SOP 000 Logging & Monitoring)`,
  },
  {
    key: "protectResources",
    value: "false",
    refusedIn: HIGHER,
    message: (env) =>
      `engram:protectResources=false is not allowed in ${env}: stateful resources are protected in uat, staging and prod (SOP 000 Change Control: no ad-hoc changes)`,
  },
  {
    key: "postgresPasswordAuth",
    value: "true",
    refusedIn: HIGHER,
    message: (env) =>
      `engram:postgresPasswordAuth=true is not allowed in ${env}: the application database accepts Entra (managed identity) only in uat, staging and prod (SOP 000: password auth disabled)`,
  },
  {
    key: "availability",
    value: "false",
    refusedIn: ["staging", "prod"],
    message: (env) =>
      `engram:availability=false is not allowed in ${env}: staging and prod hold production data, so they survive the loss of a zone and keep a backup in the paired region (DESIGN.md §1, §7)`,
  },
];

/** Values every environment accepts (the safe direction, and the edges of the ranges). */
const ALWAYS_ACCEPTED: [string, string][] = [
  ["authRequired", "true"],
  ["allowDevTokens", "false"],
  ["sharedKeyAccess", "false"],
  ["privateEndpoints", "true"],
  ["purgeProtection", "true"],
  ["keyVaultRetentionDays", "7"],
  ["keyVaultRetentionDays", "90"],
  ["secretExpiryDays", "1"],
  ["secretExpiryDays", "30"],
  ["zepKeyRotationDays", "30"],
  ["postgresPasswordRotationDays", "30"],
  ["peerEncryption", "true"],
  ["temporalMtls", "true"],
  ["azureCliPreAuthorized", "true"],
  ["azureCliPreAuthorized", "false"],
  ["logRetentionDays", "365"],
  ["logRetentionDays", "730"],
  ["alerts", "true"],
  ["protectResources", "true"],
  ["postgresPasswordAuth", "false"],
  ["availability", "true"],
];

/** Refusals that are not matrix overrides: CORS, images, groups, required-in-higher keys. */
interface OtherRefusal {
  name: string;
  set?: Record<string, string>;
  unset?: string[];
  refusedIn: Environment[];
  messages: (env: Environment) => string[];
}

const IMAGE_TAGS = {
  backend: "crengramshared.azurecr.io/engram/backend:1.4.0",
  worker: "crengramshared.azurecr.io/engram/worker:1.4.0",
  zep: "crengramshared.azurecr.io/mirror/getzep/zep:0.27.2",
  temporal: "crengramshared.azurecr.io/mirror/temporalio/server:1.24.2",
  temporalUi: "crengramshared.azurecr.io/mirror/temporalio/ui:2.26.2",
};

const OTHER_REFUSALS: OtherRefusal[] = [
  {
    name: "CORS origin *",
    set: { frontendOrigins: JSON.stringify(["*"]) },
    refusedIn: ALL,
    messages: (env) => [
      `engram:frontendOrigins[0]=* is not allowed in ${env}: wildcard origins are never allowed (SOP 001 CORS: no wildcards)`,
    ],
  },
  {
    name: "CORS origin with a wildcard host",
    set: { frontendOrigins: JSON.stringify(["https://app.engram.example", "https://*.engram.example"]) },
    refusedIn: ALL,
    messages: (env) => [
      `engram:frontendOrigins[1]=https://*.engram.example is not allowed in ${env}: wildcard origins are never allowed (SOP 001 CORS: no wildcards)`,
    ],
  },
  {
    name: "an http:// frontend origin",
    set: { frontendOrigins: JSON.stringify(["http://app.engram.example"]) },
    refusedIn: ALL,
    messages: (env) => [
      `engram:frontendOrigins[0]=http://app.engram.example is not allowed in ${env}: frontend origins are https (SOP 001 CORS); localhost origins belong in engram:devOrigins`,
    ],
  },
  {
    name: "localhost dev origins",
    set: { devOrigins: JSON.stringify(["http://localhost:3000"]) },
    refusedIn: HIGHER,
    messages: (env) => [
      `engram:devOrigins=["http://localhost:3000"] is not allowed in ${env}: localhost origins are allowed only in dev and test (SOP 001 CORS)`,
    ],
  },
  {
    name: "a wildcard dev origin",
    set: { devOrigins: JSON.stringify(["*"]) },
    refusedIn: ALL,
    messages: (env) =>
      HIGHER.includes(env)
        ? [
            `engram:devOrigins=["*"] is not allowed in ${env}: localhost origins are allowed only in dev and test (SOP 001 CORS)`,
          ]
        : [
            `engram:devOrigins[0]=* is not allowed in ${env}: wildcard origins are never allowed (SOP 001 CORS: no wildcards)`,
          ],
  },
  {
    name: "images without digest",
    set: { images: JSON.stringify(IMAGE_TAGS) },
    refusedIn: HIGHER,
    messages: (env) => [
      `engram:images.backend=crengramshared.azurecr.io/engram/backend:1.4.0 is not allowed in ${env}: images are pinned by digest (@sha256:...) in uat, staging and prod (DESIGN.md §1)`,
      `engram:images.worker=crengramshared.azurecr.io/engram/worker:1.4.0 is not allowed in ${env}: images are pinned by digest (@sha256:...) in uat, staging and prod (DESIGN.md §1)`,
      `engram:images.zep=crengramshared.azurecr.io/mirror/getzep/zep:0.27.2 is not allowed in ${env}: images are pinned by digest (@sha256:...) in uat, staging and prod (DESIGN.md §1)`,
      `engram:images.temporal=crengramshared.azurecr.io/mirror/temporalio/server:1.24.2 is not allowed in ${env}: images are pinned by digest (@sha256:...) in uat, staging and prod (DESIGN.md §1)`,
      `engram:images.temporalUi=crengramshared.azurecr.io/mirror/temporalio/ui:2.26.2 is not allowed in ${env}: images are pinned by digest (@sha256:...) in uat, staging and prod (DESIGN.md §1)`,
    ],
  },
  {
    name: "groups.dev",
    set: {
      groups: JSON.stringify({
        dev: "baf06612-f9fc-4e34-894c-a1b4254e4a8f",
        dba: "71b3b4ba-ae8b-47f1-88d5-4b09aaba04ae",
      }),
    },
    refusedIn: HIGHER,
    messages: (env) => [
      `engram:groups.dev=baf06612-f9fc-4e34-894c-a1b4254e4a8f is not allowed in ${env}: the dev group gets Contributor only in dev and test (DESIGN.md §4)`,
    ],
  },
  {
    name: "groups.dba missing",
    set: { groups: JSON.stringify({ admin: "4b757794-9b82-4490-8fd5-7eb367bf27da" }) },
    refusedIn: HIGHER,
    messages: (env) => [
      `engram:groups.dba is missing in ${env}: the application Postgres server accepts Entra only when postgresPasswordAuth is false (always in uat, staging and prod), and groups.dba is its Entra administrator (DESIGN.md §7); set it with \`pulumi config set --path engram:groups.dba <value>\``,
    ],
  },
  {
    name: "groups missing altogether",
    unset: ["groups"],
    refusedIn: HIGHER,
    messages: (env) => [
      `engram:groups.dba is missing in ${env}: the application Postgres server accepts Entra only when postgresPasswordAuth is false (always in uat, staging and prod), and groups.dba is its Entra administrator (DESIGN.md §7); set it with \`pulumi config set --path engram:groups.dba <value>\``,
    ],
  },
  {
    name: "frontendOrigins missing",
    unset: ["frontendOrigins"],
    refusedIn: HIGHER,
    messages: (env) => [
      `engram:frontendOrigins is missing in ${env}: uat, staging and prod name their frontends (SOP 001 CORS: restrict to env frontends); set it with \`pulumi config set --path 'engram:frontendOrigins[0]' <value>\``,
    ],
  },
  {
    name: "frontendOrigins empty",
    set: { frontendOrigins: "[]" },
    refusedIn: HIGHER,
    messages: (env) => [
      `engram:frontendOrigins=[] is not allowed in ${env}: uat, staging and prod name their frontends (SOP 001 CORS: restrict to env frontends)`,
    ],
  },
  {
    name: "alertEmails missing",
    unset: ["alertEmails"],
    refusedIn: HIGHER,
    messages: (env) => [
      `engram:alertEmails is missing in ${env}: uat, staging and prod page someone on security alerts (SOP 000 Logging & Monitoring); set it with \`pulumi config set --path 'engram:alertEmails[0]' <value>\``,
    ],
  },
  {
    name: "alertEmails empty",
    set: { alertEmails: "[]" },
    refusedIn: HIGHER,
    messages: (env) => [
      `engram:alertEmails=[] is not allowed in ${env}: uat, staging and prod page someone on security alerts (SOP 000 Logging & Monitoring)`,
    ],
  },
];

/** Applies a validateConfig-style change (keys without namespace) to a committed stack for planRefused. */
function stackChange(change: { set?: Record<string, string>; unset?: string[] }) {
  return {
    set: Object.fromEntries(Object.entries(change.set ?? {}).map(([k, v]) => [`engram:${k}`, v])),
    unset: (change.unset ?? []).map((k) => `engram:${k}`),
  };
}

describe.each(ENVIRONMENTS)("the environment matrix in %s", (env) => {
  it("GIVEN no overrides THEN every decision is the DESIGN.md §1 default, from the default", () => {
    const cfg = accepted(env, {});
    for (const [key, perEnv] of Object.entries(DEFAULTS))
      expect([key, cfg.decisions[key as keyof typeof cfg.decisions]]).toEqual([
        key,
        { value: perEnv[env], source: "default" },
      ]);
    expect(Object.keys(cfg.decisions).sort()).toEqual(Object.keys(DEFAULTS).sort());
  });

  const refused = REFUSALS.filter((r) => r.refusedIn.includes(env));
  const allowed = REFUSALS.filter((r) => !r.refusedIn.includes(env));

  it.each(refused.map((r) => [`${r.key}=${r.value}`, r] as const))(
    "refuses %s with its exact message (validateConfig)",
    (_name, r) => {
      expect(problemsOf(env, { set: { [r.key]: r.value } })).toEqual([r.message(env)]);
    },
  );

  // End to end, once per batch rather than once per rule: every refused override of this
  // environment set together (a key at most once per batch) on the committed stack, through the real
  // program; every message must come out, in validateConfig's order.
  const batches: (typeof refused)[] = [];
  for (const r of refused) {
    const batch = batches.find((b) => !b.some((x) => x.key === r.key));
    if (batch) batch.push(r);
    else batches.push([r]);
  }
  it.each(batches.map((b, i) => [i + 1, b.map((r) => `${r.key}=${r.value}`).join(", "), b] as const))(
    "refuses batch %d (%s) in the plan of the committed stack, every message exact",
    async (_i, _names, batch) => {
      const set = Object.fromEntries(batch.map((r) => [r.key, r.value]));
      const problems = await planRefused(env, stackChange({ set }));
      expect([...problems].sort()).toEqual(batch.map((r) => r.message(env)).sort());
      expect(problems).toEqual(problemsOf(env, { set }));
    },
  );

  const acceptedCases: [string, string][] = [
    ...allowed.map((r): [string, string] => [r.key, r.value]),
    ...ALWAYS_ACCEPTED,
  ];
  it.each(acceptedCases)("accepts %s=%s as an override", (key, value) => {
    const cfg = accepted(env, { set: { [key]: value } });
    const expected = value === "true" ? true : value === "false" ? false : Number(value);
    expect(cfg.decisions[key as keyof typeof cfg.decisions]).toEqual({ value: expected, source: "override" });
  });

  const others = OTHER_REFUSALS.filter((o) => o.refusedIn.includes(env));
  it.each(others.map((o) => [o.name, o] as const))(
    "refuses %s with its exact message (validateConfig)",
    (_name, o) => {
      expect(problemsOf(env, o)).toEqual(o.messages(env));
    },
  );
  // End to end once for this kind (the first such refusal); the rest are proven by validateConfig
  // above, which is what the program runs (tests/config.test.ts › "several problems together").
  if (others.length > 0)
    it(`refuses ${others[0].name} in the plan of the committed stack with its exact message`, async () => {
      expect(await planRefused(env, stackChange(others[0]))).toEqual(others[0].messages(env));
    });
  const otherAccepted = OTHER_REFUSALS.filter((o) => !o.refusedIn.includes(env));
  if (otherAccepted.length > 0)
    it.each(otherAccepted.map((o) => [o.name, o] as const))("accepts %s", (_name, o) => {
      accepted(env, o);
    });

  it("refuses a secret setting in plain text without showing its value", () => {
    const value = "sk-ant-PLAINTEXT-VALUE-4711";
    const problems = problemsOf(env, { set: { anthropicApiKey: value } });
    expect(problems).toEqual([
      `engram:anthropicApiKey=[plain text] is not allowed in ${env}: secret settings are stored encrypted; set it with \`pulumi config set --secret engram:anthropicApiKey <value>\` (SOP 002: no secrets in plain text)`,
    ]);
    expect(problems.join("\n")).not.toContain(value);
  });
});

describe("GIVEN accepted overrides in the environments that allow them", () => {
  it("dev: AUTH_REQUIRED may be false (POC mode) and the plan runs", async () => {
    // The dev variant the secrets tests plan too (tests/helpers/variants.ts) sets it.
    const { config } = await planOk("dev", fedSecretsVariant("dev"));
    expect(config.decisions.authRequired).toEqual({ value: false, source: "override" });
  });
  it("below prod the WAF may be turned on and the plan runs (the committed staging stack does)", async () => {
    const { config } = await planOk("staging");
    expect(config.decisions.waf).toEqual({ value: true, source: "override" });
  });
  it("lower environments accept image tags and the default localhost dev origins", () => {
    for (const env of LOWER) {
      const cfg = accepted(env, { set: { images: JSON.stringify(IMAGE_TAGS) } });
      expect(cfg.images.backend).toBe(IMAGE_TAGS.backend);
      expect(cfg.devOrigins).toEqual(["http://localhost:3000", "http://localhost:5173"]);
    }
  });
  it("higher environments never get localhost dev origins, even by default", () => {
    for (const env of HIGHER) expect(accepted(env, {}).devOrigins).toEqual([]);
  });
});

describe.each(LOWER)("groups.dba follows the Postgres decision in %s", (env) => {
  // The rule is the decision, not the tier: an Entra-only application server needs its Entra admin.
  it("GIVEN engram:postgresPasswordAuth=false and no groups.dba THEN it is refused, in the plan too, with its exact message", async () => {
    const message = `engram:groups.dba is missing in ${env}: the application Postgres server accepts Entra only when postgresPasswordAuth is false (always in uat, staging and prod), and groups.dba is its Entra administrator (DESIGN.md §7); set it with \`pulumi config set --path engram:groups.dba <value>\``;
    expect(problemsOf(env, { set: { postgresPasswordAuth: "false" }, unset: ["groups"] })).toEqual([message]);
    const { dba, ...groups } = JSON.parse(stackConfig(env).values["engram:groups"]) as Record<string, string>;
    expect(dba).toBeDefined();
    const change = { set: { "engram:postgresPasswordAuth": "false", "engram:groups": groups } };
    expect(await planRefused(env, change)).toEqual([message]);
    // With groups.dba set the same decision plans (the shared variant the secrets tests plan too
    // sets it, and keeps groups.dba in dev where it configures no other group;
    // tests/helpers/variants.ts).
    const { config } = await planOk(env, fedSecretsVariant(env));
    expect(config.decisions.postgresPasswordAuth).toEqual({ value: false, source: "override" });
  });
  it("GIVEN password auth on (the default) THEN groups.dba stays optional", () => {
    expect(accepted(env, { unset: ["groups"] }).groups.dba).toBeUndefined();
  });
});

describe("the environment key", () => {
  it("refuses an unknown environment naming the stack", () => {
    expect(problemsOf("dev", { set: { environment: "qa" }, stack: "qa-weu" })).toEqual([
      "engram:environment=qa is not allowed in stack qa-weu: must be one of dev, test, uat, staging, prod",
    ]);
  });
  it("refuses an unknown environment in the plan of a stack", async () => {
    expect(await planRefused("dev", { set: { "engram:environment": "qa" } })).toEqual([
      "engram:environment=qa is not allowed in stack dev: must be one of dev, test, uat, staging, prod",
    ]);
  });
  it("refuses a missing environment, still reporting unknown keys with it", () => {
    expect(problemsOf("dev", { unset: ["environment"], set: { authRequierd: "true" }, stack: "x" })).toEqual([
      "engram:environment is missing in stack x: the environment selects the matrix row: one of dev, test, uat, staging, prod; set it with `pulumi config set engram:environment <value>`",
      "engram:authRequierd is not a known setting: did you mean engram:authRequired? (known settings are listed in README.md)",
    ]);
  });
});

describe("required keys", () => {
  it("reports every missing required key with how to set it", () => {
    expect(
      problemsOf("dev", { unset: ["location", "network", "tags", "images", "ai", "azureAiKey"] }),
    ).toEqual([
      "engram:location is missing in dev: the Azure region is required; set it with `pulumi config set engram:location <value>`",
      "engram:network is missing in dev: the VNet address space is required (engram:network.addressSpace); set it with `pulumi config set --path engram:network.addressSpace <value>`",
      "engram:tags is missing in dev: owner and costCenter tags are required on every resource; set it with `pulumi config set --path engram:tags.<owner|costCenter> <value>`",
      "engram:images is missing in dev: the container images are required; set it with `pulumi config set --path engram:images.<backend|worker|zep|temporal|temporalUi> <value>`",
      "engram:ai is missing in dev: the Azure AI account (engram:ai.accountId, engram:ai.endpoint) is required; set it with `pulumi config set --path engram:ai.<accountId|endpoint> <value>`",
      "engram:azureAiKey is missing in dev: the Azure AI Services (APIM subscription) key is required (SOP 002, Key Vault secret azure-ai-key); set it with `pulumi config set --secret engram:azureAiKey <value>`",
    ]);
  });
  it("reports missing parts of an object", () => {
    expect(
      problemsOf("dev", { set: { network: "{}", tags: JSON.stringify({ owner: "me" }), images: "{}" } }),
    ).toEqual([
      "engram:network.addressSpace is missing in dev: the address space is an IPv4 CIDR from /16 to /22, e.g. 10.20.0.0/16; set it with `pulumi config set --path engram:network.addressSpace <value>`",
      "engram:tags.costCenter is missing in dev: tags.costCenter is a non-empty string; set it with `pulumi config set --path engram:tags.costCenter <value>`",
      "engram:images.backend is missing in dev: the backend image is required; set it with `pulumi config set --path engram:images.backend <value>`",
      "engram:images.worker is missing in dev: the worker image is required; set it with `pulumi config set --path engram:images.worker <value>`",
      "engram:images.zep is missing in dev: the zep image is required; set it with `pulumi config set --path engram:images.zep <value>`",
      "engram:images.temporal is missing in dev: the temporal image is required; set it with `pulumi config set --path engram:images.temporal <value>`",
      "engram:images.temporalUi is missing in dev: the temporalUi image is required; set it with `pulumi config set --path engram:images.temporalUi <value>`",
    ]);
  });
  it("the plan of a committed stack without azureAiKey and without placeholders is refused", async () => {
    expect(await planRefused("prod", { secretPlaceholders: false })).toEqual([
      "engram:azureAiKey is missing in prod: the Azure AI Services (APIM subscription) key is required (SOP 002, Key Vault secret azure-ai-key); set it with `pulumi config set --secret engram:azureAiKey <value>`",
    ]);
  });
});

describe("malformed values", () => {
  const cases: [string, Record<string, string>, string[]][] = [
    [
      "JSON that does not parse",
      { tags: "{owner: me", frontendOrigins: "https://dev.engram.example" },
      [
        "engram:tags={owner: me is not allowed in dev: the value is not valid JSON (an object; objects and lists are JSON in Pulumi config)",
        "engram:frontendOrigins=https://dev.engram.example is not allowed in dev: expected a list, got the string \"https://dev.engram.example\"; set it with `pulumi config set --path 'engram:frontendOrigins[0]' <value>`",
      ],
    ],
    [
      "a location that is not a region name",
      { location: "West Europe" },
      ["engram:location=West Europe is not allowed in dev: an Azure region name such as westeurope"],
    ],
    [
      "a name suffix with capitals or the wrong length",
      { nameSuffix: "AB" },
      ["engram:nameSuffix=AB is not allowed in dev: the name suffix is 3-6 lowercase letters and digits"],
    ],
    [
      "a name suffix that is too long",
      { nameSuffix: "abcdefg" },
      [
        "engram:nameSuffix=abcdefg is not allowed in dev: the name suffix is 3-6 lowercase letters and digits",
      ],
    ],
    [
      "an address space with host bits set",
      { network: JSON.stringify({ addressSpace: "10.20.0.1/16" }) },
      [
        "engram:network.addressSpace=10.20.0.1/16 is not allowed in dev: the address space is an IPv4 CIDR from /16 to /22 with no host bits set, e.g. 10.20.0.0/16",
      ],
    ],
    [
      "an address space that is too large",
      { network: JSON.stringify({ addressSpace: "10.0.0.0/8" }) },
      [
        "engram:network.addressSpace=10.0.0.0/8 is not allowed in dev: the address space is an IPv4 CIDR from /16 to /22 with no host bits set, e.g. 10.20.0.0/16",
      ],
    ],
    [
      "an address space that is not an IPv4 CIDR",
      { network: JSON.stringify({ addressSpace: "10.300.0.0/16" }) },
      [
        "engram:network.addressSpace=10.300.0.0/16 is not allowed in dev: the address space is an IPv4 CIDR from /16 to /22 with no host bits set, e.g. 10.20.0.0/16",
      ],
    ],
    [
      "an address space with blanks around it (Azure would get them)",
      { network: JSON.stringify({ addressSpace: " 10.20.0.0/16" }) },
      [
        "engram:network.addressSpace= 10.20.0.0/16 is not allowed in dev: the address space is an IPv4 CIDR from /16 to /22 with no host bits set, e.g. 10.20.0.0/16",
      ],
    ],
    [
      "allowlist entries that are not CIDRs, or too wide",
      {
        adminIpAllowlist: JSON.stringify([
          "203.0.113.5",
          "203.0.113.0/24",
          "203.0.113.1/24",
          "0.0.0.0/0",
          "x",
          "10.0.0.0/8",
          "4.0.0.0/7",
          " 203.0.113.9",
          "203.0.113.9/33",
        ]),
      },
      [
        "engram:adminIpAllowlist[2]=203.0.113.1/24 is not allowed in dev: an IPv4 address or CIDR with no host bits set",
        "engram:adminIpAllowlist[3]=0.0.0.0/0 is not allowed in dev: an allowlist entry narrower than /8; it restricts admin surfaces (SOP 000 Network Policy)",
        "engram:adminIpAllowlist[4]=x is not allowed in dev: an IPv4 address or CIDR with no host bits set",
        "engram:adminIpAllowlist[5]=10.0.0.0/8 is not allowed in dev: an allowlist entry narrower than /8; it restricts admin surfaces (SOP 000 Network Policy)",
        "engram:adminIpAllowlist[6]=4.0.0.0/7 is not allowed in dev: an allowlist entry narrower than /8; it restricts admin surfaces (SOP 000 Network Policy)",
        "engram:adminIpAllowlist[7]= 203.0.113.9 is not allowed in dev: an IPv4 address or CIDR with no host bits set",
        "engram:adminIpAllowlist[8]=203.0.113.9/33 is not allowed in dev: an IPv4 address or CIDR with no host bits set",
      ],
    ],
    [
      "group ids that are not GUIDs",
      { groups: JSON.stringify({ admin: "admins", sre: "bf3c9da1-6f86-4b35-8314-a0f56cd9f04f" }) },
      ["engram:groups.admin=admins is not allowed in dev: a group is an Entra object id (GUID)"],
    ],
    [
      "alert emails that are not emails",
      { alertEmails: JSON.stringify(["oncall@engram.example", "oncall"]) },
      ["engram:alertEmails[1]=oncall is not allowed in dev: an email address"],
    ],
    [
      "an AI endpoint that is not https and an account id of another type",
      {
        ai: JSON.stringify({
          accountId:
            "/subscriptions/5f2c3b1a-8d4e-4c7a-9b6f-0e1d2c3b4a59/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st",
          endpoint: "http://ais-engram.openai.azure.com/",
        }),
      },
      [
        "engram:ai.accountId=/subscriptions/5f2c3b1a-8d4e-4c7a-9b6f-0e1d2c3b4a59/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st is not allowed in dev: the resource id of a Microsoft.CognitiveServices/accounts resource",
        "engram:ai.endpoint=http://ais-engram.openai.azure.com/ is not allowed in dev: an https URL",
      ],
    ],
    [
      "an image reference that is not one",
      { images: JSON.stringify({ ...IMAGE_TAGS, worker: "Not An Image", zep: "zep:latest" }) },
      [
        "engram:images.worker=Not An Image is not allowed in dev: an image reference such as ghcr.io/org/app:1.2.3 or ...@sha256:<digest>",
        "engram:images.zep=zep:latest is not allowed in dev: an image reference such as ghcr.io/org/app:1.2.3 or ...@sha256:<digest>",
      ],
    ],
    [
      "a frontend origin with a path",
      { frontendOrigins: JSON.stringify(["https://dev.engram.example/app"]) },
      [
        "engram:frontendOrigins[0]=https://dev.engram.example/app is not allowed in dev: an origin is scheme://host[:port] with no path, e.g. https://app.example.com",
      ],
    ],
    [
      "a dev origin that is not localhost",
      { devOrigins: JSON.stringify(["http://dev.engram.example:3000"]) },
      [
        "engram:devOrigins[0]=http://dev.engram.example:3000 is not allowed in dev: a dev origin is http://localhost:PORT or http://127.0.0.1:PORT",
      ],
    ],
    [
      "a registry that is neither an ACR id nor a login server",
      { registry: "https://ghcr.io/org" },
      [
        "engram:registry=https://ghcr.io/org is not allowed in dev: an ACR resource id (/subscriptions/.../registries/<name>) or a registry login server such as ghcr.io",
      ],
    ],
    [
      "booleans and numbers that are neither",
      { waf: "yes", logRetentionDays: "a month", keyVaultRetentionDays: "0x10", signInAlerts: "1" },
      [
        "engram:signInAlerts=1 is not allowed in dev: the value is true or false",
        "engram:keyVaultRetentionDays=0x10 is not allowed in dev: the value is a number of days",
        "engram:waf=yes is not allowed in dev: the value is true or false",
        "engram:logRetentionDays=a month is not allowed in dev: the value is a number of days",
      ],
    ],
    [
      "alert thresholds that are not positive whole numbers",
      { alertThresholds: JSON.stringify({ authFailures: 1.5, secretReads: "many", accessDenied: 0 }) },
      [
        "engram:alertThresholds.authFailures=1.5 is not allowed in dev: expected a whole number, got the number 1.5",
        'engram:alertThresholds.secretReads=many is not allowed in dev: expected a whole number, got the string "many"',
        "engram:alertThresholds.accessDenied=0 is not allowed in dev: a positive whole number",
      ],
    ],
    [
      "an app role both retired and removed",
      { retiredAppRoles: JSON.stringify(["PM"]), removedAppRoles: JSON.stringify(["PM"]) },
      [
        'engram:removedAppRoles=["PM"] is not allowed in dev: PM is listed as both retired and removed; a role is first retired (disabled), deployed, then removed',
      ],
    ],
  ];
  it.each(cases)("refuses %s with exact messages", (_name, set, expected) => {
    expect(problemsOf("dev", { set })).toEqual(expected);
  });

  it("accepts the valid forms (IPv4 address and CIDR allowlist entries, ghcr login server, 127.0.0.1 dev origin)", () => {
    const cfg = accepted("dev", {
      set: {
        adminIpAllowlist: JSON.stringify(["203.0.113.5", "198.51.100.0/24"]),
        registry: "ghcr.io",
        devOrigins: JSON.stringify(["http://127.0.0.1:8080"]),
        nameSuffix: "a1b2c3",
        signInAlerts: "true",
      },
    });
    expect(cfg.registry).toEqual({ loginServer: "ghcr.io" });
    expect(cfg.devOrigins).toEqual(["http://127.0.0.1:8080"]);
    expect(cfg.nameSuffix).toBe("a1b2c3");
    expect(cfg.signInAlerts).toBe(true);
  });

  it("derives the ACR login server from an ACR resource id", () => {
    const id =
      "/subscriptions/5f2c3b1a-8d4e-4c7a-9b6f-0e1d2c3b4a59/resourceGroups/rg-engram-shared/providers/Microsoft.ContainerRegistry/registries/crEngramShared";
    expect(accepted("dev", { set: { registry: id } }).registry).toEqual({
      acrId: id,
      loginServer: "crengramshared.azurecr.io",
    });
  });
});

describe("unknown keys", () => {
  it("names each unknown key, with a did-you-mean hint when one is close", () => {
    expect(
      problemsOf("dev", {
        set: {
          authRequierd: "true",
          PurgeProtection: "true",
          colour: "blue",
          "network.addressSpace": "10.0.0.0/16",
          groups: JSON.stringify({ admins: "4b757794-9b82-4490-8fd5-7eb367bf27da" }),
        },
      }),
    ).toEqual([
      "engram:PurgeProtection is not a known setting: did you mean engram:purgeProtection? (known settings are listed in README.md)",
      "engram:authRequierd is not a known setting: did you mean engram:authRequired? (known settings are listed in README.md)",
      "engram:colour is not a known setting: remove it or fix its spelling (known settings are listed in README.md)",
      "engram:network.addressSpace is not a known setting: network is an object or list; set its parts with `pulumi config set --path engram:network.addressSpace <value>` (without --path Pulumi stores a flat key)",
      "engram:groups.admins is not a known setting: did you mean engram:groups.admin? (known settings are listed in README.md)",
    ]);
  });
  it("refuses an unknown key in the plan of a committed stack", async () => {
    expect(await planRefused("prod", { set: { "engram:alert": "true" } })).toEqual([
      "engram:alert is not a known setting: did you mean engram:alerts? (known settings are listed in README.md)",
    ]);
  });
});

describe("secrets", () => {
  it("accepts secret settings held as secrets and lists which are present, never their values", () => {
    const cfg = accepted("prod", {
      set: { anthropicApiKey: "sk-ant-1", geminiApiKey: "g-1" },
      secretKeys: ["azureAiKey", "anthropicApiKey", "geminiApiKey"],
    });
    expect(cfg.secretsPresent).toEqual(["azureAiKey", "anthropicApiKey", "geminiApiKey"]);
    expect(JSON.stringify(cfg)).not.toContain("sk-ant-1");
  });
  it("refuses the required secret in plain text without showing it", () => {
    const problems = problemsOf("uat", { secretKeys: [] });
    expect(problems).toEqual([
      "engram:azureAiKey=[plain text] is not allowed in uat: secret settings are stored encrypted; set it with `pulumi config set --secret engram:azureAiKey <value>` (SOP 002: no secrets in plain text)",
    ]);
    expect(problems.join("\n")).not.toContain("sk-offline-test-key");
  });
  it("never shows a value held as secret, even under a key that expects plain config", () => {
    const problems = problemsOf("dev", {
      set: {
        location: "Secret Region 42",
        tags: JSON.stringify({ owner: "hidden-owner-77", costCenter: 5 }),
      },
      secretKeys: ["azureAiKey", "location", "tags"],
    });
    expect(problems).toEqual([
      "engram:location=[secret] is not allowed in dev: an Azure region name such as westeurope",
      "engram:tags.costCenter=5 is not allowed in dev: expected a string, got the number 5",
    ]);
  });
  it("refuses a plain-text secret in the plan of a committed stack without showing it", async () => {
    const problems = await planRefused("staging", { set: { "engram:geminiApiKey": "AIza-PLAIN-123456" } });
    expect(problems).toEqual([
      "engram:geminiApiKey=[plain text] is not allowed in staging: secret settings are stored encrypted; set it with `pulumi config set --secret engram:geminiApiKey <value>` (SOP 002: no secrets in plain text)",
    ]);
  });
});

describe("several problems together", () => {
  const change = {
    set: {
      "engram:authRequired": "false",
      "engram:waf": "false",
      "engram:alerts": "false",
      "engram:frontendOrigins": JSON.stringify(["*"]),
      "engram:wafMode": "Detection",
    },
    unset: ["engram:alertEmails"],
  };
  const expected = [
    "engram:wafMode is not a known setting: remove it or fix its spelling (known settings are listed in README.md)",
    "engram:authRequired=false is not allowed in prod: AUTH_REQUIRED may be false only in dev (SOP 001 POC mode)",
    "engram:waf=false is not allowed in prod: prod exposes the API only through the WAF (SOP 000: WAF/APIM front door in prod)",
    "engram:alerts=false is not allowed in prod: security alerts are required in uat, staging and prod (SOP 000 Logging & Monitoring)",
    "engram:frontendOrigins[0]=* is not allowed in prod: wildcard origins are never allowed (SOP 001 CORS: no wildcards)",
    "engram:alertEmails is missing in prod: uat, staging and prod page someone on security alerts (SOP 000 Logging & Monitoring); set it with `pulumi config set --path 'engram:alertEmails[0]' <value>`",
  ];

  it("reports every problem in one refusal", async () => {
    expect(await planRefused("prod", change)).toEqual(expected);
  });

  it("throws one ConfigError listing them all, and registers nothing but the Stack", async () => {
    const run = await programRun("prod", { ...change, secrets: { "engram:azureAiKey": "sk-test" } });
    expect(run.error).toBeInstanceOf(ConfigError);
    const err = run.error as ConfigError;
    expect(err.problems).toEqual(expected);
    expect(err.message).toBe(`invalid configuration (6 problems):\n- ${expected.join("\n- ")}`);
    expect(run.resources.map((r) => r.type)).toEqual(["pulumi:pulumi:Stack"]);
  });
});

describe.each(ENVIRONMENTS)("a refused config in %s", (env) => {
  it("registers nothing but the Stack", async () => {
    const run = await programRun(env, {
      set: { "engram:frontendOrigins": '["*"]' },
      secrets: { "engram:azureAiKey": "sk-test" },
    });
    expect((run.error as ConfigError).problems).toEqual([
      `engram:frontendOrigins[0]=* is not allowed in ${env}: wildcard origins are never allowed (SOP 001 CORS: no wildcards)`,
    ]);
    expect(run.resources.map((r) => r.urn)).toEqual([
      `urn:pulumi:${env}::engram-infra::pulumi:pulumi:Stack::engram-infra-${env}`,
    ]);
  });
});
