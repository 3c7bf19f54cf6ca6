import { placeholderResource } from "../scripts/offline/placeholders";
import { secretPlaceholder } from "../scripts/offline/plan-config";
import { PlanIndex } from "../scripts/offline/plan-index";
import { encryptedPlaceholder } from "../scripts/offline/stack-file";
import { SECRET_SETTING_KEYS } from "../src/config";
import { isHigher } from "../src/matrix";
import { SERVICE_NAMES } from "../src/services";
import { assignments, days, idOf, inputs, principalIdOf, registrations, ROLE_IDS, T } from "./helpers/data";
import { ENVIRONMENTS, Environment, planOk, planRefused, report } from "./helpers/plan";
import { FED, fedSecretsVariant, UAT_OPTIONS } from "./helpers/variants";

/**
 * Secrets of DESIGN.md §3 (SOP 002, SOP 000 Secrets & Key Management, Rotation): which secrets
 * exist, who reads each (exactly), how generated ones rotate, when each expires, and that no value
 * ever reaches the plan.
 */

/** DESIGN.md §3, written out independently of src/services.ts so a drift there fails here. */
function expectedReaders(env: Environment): Record<string, string[]> {
  return {
    "zep-api-key": ["backend", "worker", "zep"],
    "azure-ai-key": ["backend", "worker", "zep"],
    "postgres-password": isHigher(env) ? ["temporal", "zep"] : ["backend", "temporal", "worker", "zep"],
  };
}

const OPTIONAL = {
  "engram:voiceliveApiKey": "voicelive-api-key",
  "engram:anthropicApiKey": "anthropic-api-key",
  "engram:geminiApiKey": "gemini-api-key",
} as const;

/**
 * The one variant of each environment these tests plan: its shared variant, which feeds every secret
 * (tests/helpers/variants.ts; its other settings decide nothing these tests check).
 */
const variant = fedSecretsVariant;
/** The secret values the variant of an environment feeds (uat's anthropicApiKey: FED_UAT). */
const fedValues = (env: Environment): string[] => Object.values(variant(env).secrets ?? {});

const secretsOf = (index: PlanIndex) => index.ofType(T.secret);
const secretNamed = (index: PlanIndex, name: string) => index.one(T.secret, `secret-${name}-secret`);

/** Readers of one secret: the services whose MI holds Key Vault Secrets User on its resource id. */
function readersOf(index: PlanIndex, secretId: string): string[] {
  // The Temporal UI's identity (runtime layer) reads its own mTLS client certificate.
  const ui = index.ofType(T.identity).some((i) => index.logicalName(i) === "id-temporal-ui-mi");
  const byPrincipal = new Map(
    [...SERVICE_NAMES, ...(ui ? ["temporal-ui"] : [])].map((s) => [principalIdOf(index, s), s as string]),
  );
  return assignments(index)
    .filter((a) => a.scope === secretId)
    .map((a) => {
      expect(a.role).toBe(ROLE_IDS["Key Vault Secrets User"]);
      expect(a.principalType).toBe("ServicePrincipal");
      return byPrincipal.get(a.principalId) ?? `unknown:${a.principalId}`;
    })
    .sort();
}

describe.each(ENVIRONMENTS)("secrets in %s", (env) => {
  const higher = isHigher(env);
  const zepDays = higher ? 60 : 30;
  const pgDays = higher ? 90 : 30;
  const expiryDays = higher ? 90 : 30;

  it("GIVEN no optional secret THEN the vault holds exactly zep-api-key, azure-ai-key and postgres-password (+ Temporal certs)", async () => {
    const { index } = await planOk(env);
    const names = secretsOf(index)
      .map((s) => inputs(s).secretName as string)
      .filter((n) => !n.startsWith("temporal-tls"))
      .sort();
    expect(names).toEqual(["azure-ai-key", "postgres-password", "zep-api-key"]);
  });

  it("each secret is readable by exactly the services of DESIGN.md §3, through a grant on that secret alone", async () => {
    const { index } = await planOk(env);
    const expected = expectedReaders(env);
    for (const s of secretsOf(index)) {
      const name = inputs(s).secretName as string;
      const readers = readersOf(index, idOf(s));
      if (name.startsWith("temporal-tls")) {
        expect(readers.length).toBeGreaterThan(0);
        expect(readers.every((r) => ["temporal", "worker", "temporal-ui"].includes(r))).toBe(true);
      } else expect({ name, readers }).toEqual({ name, readers: expected[name] });
    }
  });

  it("no service identity holds any role on the vault, the resource group or the subscription", async () => {
    const { index } = await planOk(env);
    const vaultId = idOf(index.one(T.vault));
    const rgId = idOf(index.one("azure-native:resources:ResourceGroup"));
    const services = new Set(SERVICE_NAMES.map((s) => principalIdOf(index, s)));
    const broad = assignments(index).filter(
      (a) =>
        services.has(a.principalId) &&
        [vaultId, rgId, "/subscriptions/00000000-0000-0000-0000-000000000000"].includes(a.scope),
    );
    expect(broad).toEqual([]);
  });

  it(`generated secrets rotate: zep-api-key every ${zepDays} days, postgres-password every ${pgDays} days, through a Rotating keeper`, async () => {
    const { index } = await planOk(env);
    for (const [name, period] of [
      ["zep-api-key", zepDays],
      ["postgres-password", pgDays],
    ] as const) {
      const rotation = index.one(T.rotating, `secret-${name}-rotation`);
      expect(inputs(rotation).rotationDays).toBe(period);
      const password = index.one(T.password, `secret-${name}-value`);
      // The keeper is the rotation time: a new one replaces the value.
      expect(Object.keys(inputs(password).keepers)).toEqual(["rotation"]);
      expect(password.newState.dependencies).toContain(rotation.urn);
      expect(inputs(password).special).toBe(false);
      expect(inputs(password).length).toBeGreaterThanOrEqual(32);
      const secret = secretNamed(index, name);
      expect(secret.newState.dependencies).toContain(password.urn);
      // Readable for a 7-day grace after the rotation time (Key Vault refuses expired secrets).
      expect(inputs(secret).properties.attributes.expires).toBe(days(period + 7));
      expect(inputs(secret).tags).toMatchObject({
        source: "generated",
        rotation: "automatic",
        "rotation-days": String(period),
      });
    }
  });

  it(`azure-ai-key expires ${expiryDays} days after it was set, with a manual-rotation tag`, async () => {
    const { index } = await planOk(env);
    const expiry = index.one(T.offset, "secret-azure-ai-key-expiry");
    expect(inputs(expiry).offsetDays).toBe(expiryDays);
    expect(inputs(expiry).triggers).toEqual({ value: "[secret]" });
    const secret = secretNamed(index, "azure-ai-key");
    expect(inputs(secret).properties.attributes.expires).toBe(days(expiryDays));
    expect(inputs(secret).tags).toMatchObject({
      source: "config:azureAiKey",
      rotation: "manual",
      "expiry-days": String(expiryDays),
    });
  });

  it("every secret has a content type, an expiry and its value only as [secret]", async () => {
    const { index } = await planOk(env);
    for (const s of secretsOf(index)) {
      const p = inputs(s).properties;
      expect(p.value).toBe("[secret]");
      expect(typeof p.contentType).toBe("string");
      expect(p.contentType.length).toBeGreaterThan(0);
      expect(typeof p.attributes.expires).toBe("number");
      expect(p.attributes.expires).toBeGreaterThan(days(0));
    }
  });

  it("GIVEN every optional secret THEN each is created, read by backend only, and no fed value appears in the plan", async () => {
    const { index, plan } = await planOk(env, variant(env));
    for (const name of Object.values(OPTIONAL)) {
      const secret = secretNamed(index, name);
      expect(readersOf(index, idOf(secret))).toEqual(["backend"]);
      expect(inputs(secret).properties.attributes.expires).toBe(days(expiryDays));
    }
    const json = JSON.stringify(plan);
    expect(fedValues(env)).toHaveLength(Object.keys(FED).length);
    for (const value of fedValues(env)) expect(json).not.toContain(value);
    // Nor any generated value: recompute the placeholder results the engine gave the passwords.
    for (const p of index.ofType(T.password)) {
      const result = placeholderResource(p.newState.type, "x", p.urn, inputs(p)).state.result as string;
      expect(result.length).toBeGreaterThan(20);
      expect(json).not.toContain(result);
    }
  });

  it("the default secret placeholder of a stack without azureAiKey never appears in the plan", async () => {
    const { plan } = await planOk(env);
    expect(JSON.stringify(plan)).not.toContain(secretPlaceholder("azureAiKey"));
  });
});

describe("secrets never reach the plan", () => {
  const forbidden = [
    ...Object.values(FED),
    ...SECRET_SETTING_KEYS.map(secretPlaceholder),
    ...SECRET_SETTING_KEYS.map((k) => encryptedPlaceholder(`engram:${k}`)),
    "offline-placeholder-for",
    "offline-encrypted-value-of",
  ];

  describe.each(ENVIRONMENTS)("in %s", (env) => {
    it("GIVEN every secret set through config THEN no value appears in the JSON, the report or the outputs", async () => {
      const r = await planOk(env, variant(env));
      const json = JSON.stringify(r.plan);
      const md = await report(env, variant(env));
      for (const f of forbidden) {
        expect(json).not.toContain(f);
        expect(md).not.toContain(f);
      }
      // The secrets were really fed: config shows them masked.
      for (const k of Object.keys(FED)) expect(r.plan.config[k]).toBe("[secret]");
      expect(r.config.secretsPresent).toEqual([
        "azureAiKey",
        "voiceliveApiKey",
        "anthropicApiKey",
        "geminiApiKey",
      ]);
      // Stack outputs carry no secret at all, not even masked.
      const outputs = JSON.stringify(r.index.stackOutputs);
      expect(outputs).not.toContain("[secret]");
      for (const f of forbidden) expect(outputs).not.toContain(f);
    });

    it("GIVEN the placeholders (no secret in the stack file) THEN they appear nowhere either", async () => {
      const text = JSON.stringify((await planOk(env)).plan) + (await report(env));
      for (const f of forbidden) expect(text).not.toContain(f);
    });
  });

  it("GIVEN an encrypted secret in a stack file THEN the plan shows no ciphertext or placeholder", async () => {
    // uat's shared variant feeds anthropicApiKey as what a `secure:` value of a stack file reads as.
    const encrypted = encryptedPlaceholder("engram:anthropicApiKey");
    expect(UAT_OPTIONS.secrets["engram:anthropicApiKey"]).toBe(encrypted);
    expect(forbidden).toContain(encrypted);
    const r = await planOk("uat", UAT_OPTIONS);
    expect(r.plan.config["engram:anthropicApiKey"]).toBe("[secret]");
    const text = JSON.stringify(r.plan) + (await report("uat", UAT_OPTIONS));
    for (const f of forbidden) expect(text).not.toContain(f);
  });
});

describe.each(ENVIRONMENTS.filter((e) => !isHigher(e)))("postgres-password readers in %s", (env) => {
  // The readers follow the Postgres decision, not the tier: with password auth off the application
  // server is Entra-only, so backend and worker (managed identity) must not hold the password.
  it("GIVEN engram:postgresPasswordAuth=false THEN only zep and temporal read postgres-password, and the apps get no POSTGRES_PASSWORD", async () => {
    const { index } = await planOk(env, variant(env));
    expect(readersOf(index, idOf(secretNamed(index, "postgres-password")))).toEqual(["temporal", "zep"]);
    for (const service of ["backend", "worker"]) {
      const app = index.one("azure-native:app:ContainerApp", `${service}-app`);
      const env_ = (inputs(app).template.containers[0].env as { name: string }[]).map((e) => e.name);
      expect(env_).not.toContain("POSTGRES_PASSWORD");
    }
  });
});

describe("a missing required secret", () => {
  const message =
    "engram:azureAiKey is missing in prod: the Azure AI Services (APIM subscription) key is required (SOP 002, Key Vault secret azure-ai-key); set it with `pulumi config set --secret engram:azureAiKey <value>`";

  it("GIVEN prod without engram:azureAiKey THEN the plan is refused with the exact key to set", async () => {
    const problems = await planRefused("prod", { unset: ["engram:azureAiKey"], secretPlaceholders: false });
    expect(problems).toEqual([message]);
  });

  it("AND nothing but the stack is registered", async () => {
    const { types, error } = await registrations("prod", { unset: ["engram:azureAiKey"] });
    expect(String(error)).toContain(message);
    expect(types.filter((t) => t !== "pulumi:pulumi:Stack")).toEqual([]);
  });
});

describe("purge protection override", () => {
  it("GIVEN dev with engram:purgeProtection=true THEN the vault turns it on", async () => {
    const { index } = await planOk("dev", variant("dev"));
    expect(inputs(index.one(T.vault)).properties.enablePurgeProtection).toBe(true);
  });
  it("GIVEN test with engram:keyVaultRetentionDays=30 THEN the vault keeps deleted items 30 days", async () => {
    const { index } = await planOk("test", variant("test"));
    expect(inputs(index.one(T.vault)).properties.softDeleteRetentionInDays).toBe(30);
  });
});
