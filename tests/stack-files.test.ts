import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { KNOWN_KEYS } from "../src/config";
import { ENVIRONMENTS, Environment } from "./helpers/plan";

/**
 * The committed stack files (`Pulumi.<stack>.yaml`) read as YAML, the way a reviewer reads them:
 * every key DESIGN.md §1 requires for the environment is there, no secret is in plain text, and
 * no `engram:` key is unknown.
 */

const ROOT = path.resolve(__dirname, "..");
const HIGHER: Environment[] = ["uat", "staging", "prod"];

/** DESIGN.md §1 "Config keys": required everywhere (paths into the YAML value). */
const REQUIRED = [
  "environment",
  "location",
  "network.addressSpace",
  "tags.owner",
  "tags.costCenter",
  "images.backend",
  "images.worker",
  "images.zep",
  "images.temporal",
  "images.temporalUi",
  "ai.accountId",
  "ai.endpoint",
];
/** DESIGN.md §1: "yes in higher". */
const REQUIRED_IN_HIGHER = ["frontendOrigins", "alertEmails"];
const SECRETS = ["azureAiKey", "voiceliveApiKey", "anthropicApiKey", "geminiApiKey"];

/** The `engram:` keys of DESIGN.md §1 and README.md's config table. */
const DOCUMENTED = [
  "environment",
  "location",
  "nameSuffix",
  "network",
  "tags",
  "frontendOrigins",
  "devOrigins",
  "adminIpAllowlist",
  "images",
  "registry",
  "groups",
  "ai",
  "alertEmails",
  "alertThresholds",
  "signInAlerts",
  "retiredAppRoles",
  "removedAppRoles",
  "authRequired",
  "allowDevTokens",
  "sharedKeyAccess",
  "privateEndpoints",
  "purgeProtection",
  "keyVaultRetentionDays",
  "secretExpiryDays",
  "zepKeyRotationDays",
  "postgresPasswordRotationDays",
  "waf",
  "peerEncryption",
  "temporalMtls",
  "azureCliPreAuthorized",
  "logRetentionDays",
  "alerts",
  "protectResources",
  "postgresPasswordAuth",
  "availability",
  "runtime",
  "ddosProtectionPlanId",
  "cicdHub",
  ...SECRETS,
];

describe("README.md documents every setting", () => {
  it("names each key the program reads in its configuration tables, and no key it does not read", () => {
    const readme = fs.readFileSync(path.join(__dirname, "..", "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Configuration"), readme.indexOf("## Deploy for real"));
    // The first cell of each table row: `key`, `key.{a,b}`, or several keys separated by commas.
    const firstCells = [...section.matchAll(/^\| ([^|]+) \|/gm)].map((m) => m[1]);
    const documented = new Set(
      firstCells.flatMap((cell) => [...cell.matchAll(/`([a-zA-Z]+)[.`{]/g)].map((m) => m[1])),
    );
    expect([...KNOWN_KEYS].filter((k) => !documented.has(k))).toEqual([]);
    expect([...documented].filter((k) => !KNOWN_KEYS.includes(k))).toEqual([]);
    expect([...KNOWN_KEYS].sort()).toEqual([...DOCUMENTED].sort());
  });
});

function engramConfig(stack: string): Record<string, unknown> {
  const doc = YAML.parse(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as {
    config?: Record<string, unknown>;
  };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(doc.config ?? {}))
    if (k.startsWith("engram:")) out[k.slice("engram:".length)] = v;
  return out;
}

function at(obj: Record<string, unknown>, dotted: string): unknown {
  return dotted
    .split(".")
    .reduce<unknown>(
      (v, p) => (v !== null && typeof v === "object" ? (v as Record<string, unknown>)[p] : undefined),
      obj,
    );
}

it("the five stack files are committed, one per environment", () => {
  const files = fs.readdirSync(ROOT).filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f));
  expect(files.sort()).toEqual(ENVIRONMENTS.map((e) => `Pulumi.${e}.yaml`).sort());
});

describe.each(ENVIRONMENTS)("Pulumi.%s.yaml", (env) => {
  const cfg = engramConfig(env);

  it("selects its own environment", () => {
    expect(cfg.environment).toBe(env);
  });

  it("has every key DESIGN.md §1 requires in this environment, with a non-empty value", () => {
    const required = [...REQUIRED, ...(HIGHER.includes(env) ? REQUIRED_IN_HIGHER : [])];
    const missing = required.filter((k) => {
      const v = at(cfg, k);
      return v === undefined || v === null || v === "" || (Array.isArray(v) && v.length === 0);
    });
    expect(missing).toEqual([]);
  });

  it("holds no secret in plain text: secret settings are absent or `secure:`", () => {
    for (const key of SECRETS) {
      const v = cfg[key];
      if (v === undefined) continue;
      expect([key, v]).toEqual([key, { secure: expect.any(String) }]);
    }
  });

  it("has no unknown engram: key", () => {
    const keys = Object.keys(cfg);
    expect(keys.filter((k) => !DOCUMENTED.includes(k))).toEqual([]);
    expect(keys.filter((k) => !KNOWN_KEYS.includes(k))).toEqual([]);
  });

  if (HIGHER.includes(env))
    it("pins every image by digest and grants nothing to the dev group", () => {
      for (const [service, ref] of Object.entries(cfg.images as Record<string, string>))
        expect([service, ref]).toEqual([service, expect.stringMatching(/@sha256:[a-f0-9]{64}$/)]);
      expect(at(cfg, "groups.dev")).toBeUndefined();
      expect(cfg.devOrigins).toBeUndefined();
    });
});
