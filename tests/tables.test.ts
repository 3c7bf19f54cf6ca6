import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ACCESS, secretReaderProblems } from "../src/access";
import { SECRET_SETTING_KEYS } from "../src/config";
import { decide, ENVIRONMENTS } from "../src/matrix";
import { VAULT_SECRETS, VaultSecretSpec } from "../src/services";
import { copyCheckout } from "./helpers/checkout";

/**
 * "Adding a service" and "Granting a role" (README) are one row each: this test makes exactly those
 * edits in a copy of the checkout (a row in SERVICES, its reader entry in VAULT_SECRETS, its rows in
 * ACCESS, its image in the stack file; and one more ACCESS row for an existing service), plans dev
 * there with the plan command, and finds the new service's identity, grants, env vars and secret
 * reads, and the new grant, in the plan. Expectations are written out here, not read from the tables.
 */

const ROOT = path.resolve(__dirname, "..");
let tmp: string;

/** Replaces `anchor` (which must occur exactly once) in a file of the copy with `replacement`. */
function edit(dir: string, file: string, anchor: string, replacement: string): void {
  const p = path.join(dir, file);
  const text = fs.readFileSync(p, "utf8");
  expect(text.split(anchor).length - 1).toBe(1);
  fs.writeFileSync(p, text.replace(anchor, replacement));
}

/** A copy of the working tree without tests/, sharing node_modules (tests/helpers/checkout.ts). */
const copyTree = (dir: string) => copyCheckout(ROOT, dir, (f) => !f.startsWith("tests/"));

/** The rows of a new service `indexer` that reads zep-api-key, but none of ACCESS. */
function addIndexer(dir: string): void {
  edit(
    dir,
    "src/services.ts",
    '  "temporal-ui": {',
    '  indexer: { imageKey: "indexer", ingress: "none", identity: "own" },\n  "temporal-ui": {',
  );
  edit(
    dir,
    "src/services.ts",
    'envVar: "ZEP_API_KEY",\n    readers: () => ["backend", "worker", "zep"],',
    'envVar: "ZEP_API_KEY",\n    readers: () => ["backend", "worker", "zep", "indexer"],',
  );
  edit(
    dir,
    "Pulumi.dev.yaml",
    "    temporalUi: crengramshared.azurecr.io/mirror/temporalio/ui:2.26.2\n",
    "    temporalUi: crengramshared.azurecr.io/mirror/temporalio/ui:2.26.2\n    indexer: crengramshared.azurecr.io/engram/indexer:0.1.0\n",
  );
}

/** The plan command on dev in the copy, as a user runs it. */
const planDev = (dir: string, out: string) =>
  spawnSync(process.execPath, ["scripts/run-ts.js", "scripts/plan.ts", "--stack", "dev", "--out", out], {
    cwd: dir,
    encoding: "utf8",
    timeout: 120_000,
    env: { ...process.env, ENGRAM_TS_CACHE_DIR: path.join(tmp, "ts-cache") },
  });

interface Step {
  newState: { type: string; urn: string; inputs: Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}
let steps: Step[];

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "engram-tables-"));
  const dir = path.join(tmp, "checkout");
  copyTree(dir);
  // Adding a service: its row, the secret it reads, its image (addIndexer), its rows of DESIGN.md §4.
  addIndexer(dir);
  edit(
    dir,
    "src/access.ts",
    '  { who: "zep", role: "Key Vault Secrets User", on: "kv-secret" },',
    [
      '  { who: "zep", role: "Key Vault Secrets User", on: "kv-secret" },',
      '  { who: "indexer", role: "Key Vault Secrets User", on: "kv-secret" },',
      '  { who: "indexer", role: "Storage Blob Data Reader", on: "st-container" },',
      // Granting a role: one row.
      '  { who: "worker", role: "Monitoring Reader", on: "appi" },',
    ].join("\n"),
  );
  const out = path.join(tmp, "dev.json");
  const r = planDev(dir, out);
  if (r.status !== 0) throw new Error(`planning the edited copy failed:\n${r.stderr}`);
  steps = JSON.parse(fs.readFileSync(out, "utf8")).steps;
}, 180_000);

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const ofType = (type: string) => steps.filter((s) => s.newState.type === type).map((s) => s.newState);
const grantsOf = (label: string): string[] =>
  ofType("azure-native:authorization:RoleAssignment")
    .map((s) => String(s.inputs.description))
    .filter((d) => d.startsWith(`engram-infra: ${label} -> `))
    .map((d) => d.slice(`engram-infra: ${label} -> `.length))
    .sort();

describe("GIVEN a service added as one row of each table", () => {
  it("THEN it has its own identity, id-engram-dev-indexer", () => {
    const names = ofType("azure-native:managedidentity:UserAssignedIdentity").map(
      (s) => s.inputs.resourceName,
    );
    expect(names).toContain("id-engram-dev-indexer");
  });

  it("THEN it is granted exactly its rows: the secret it reads, the container, AcrPull", () => {
    expect(grantsOf("indexer")).toEqual([
      "AcrPull on acr",
      "Key Vault Secrets User on kv-secret:zep-api-key",
      "Storage Blob Data Reader on st-container:engram-data",
    ]);
  });

  it("THEN its app runs as its identity, with the secret as a secretRef env var and its image", () => {
    const app = ofType("azure-native:app:ContainerApp").find(
      (s) => s.inputs.containerAppName === "ca-engram-dev-indexer",
    );
    expect(app).toBeDefined();
    const container = app!.inputs.template.containers[0];
    expect(container.image).toBe("crengramshared.azurecr.io/engram/indexer:0.1.0");
    const env = Object.fromEntries(
      (container.env as { name: string; value?: string; secretRef?: string }[]).map((e) => [
        e.name,
        e.secretRef ?? "plain",
      ]),
    );
    expect(env.ZEP_API_KEY).toBe("zep-api-key");
    expect(env.AZURE_CLIENT_ID).toBe("plain");
    expect(Object.keys(env).filter((n) => env[n] !== "plain")).toEqual(["ZEP_API_KEY"]);
    expect(app!.inputs.configuration.ingress).toBeUndefined();
  });

  it("THEN the services that read zep-api-key are the three before and the new one", () => {
    const readers = ofType("azure-native:authorization:RoleAssignment")
      .map((s) => String(s.inputs.description))
      .filter((d) => d.endsWith(" -> Key Vault Secrets User on kv-secret:zep-api-key"))
      .map((d) => d.replace("engram-infra: ", "").replace(/ -> .*$/, ""))
      .sort();
    expect(readers).toEqual(["backend", "indexer", "worker", "zep"]);
  });
});

describe("GIVEN a grant added as one row of the access table", () => {
  it("THEN the worker has Monitoring Reader on Application Insights next to its other rows", () => {
    expect(grantsOf("worker")).toContain("Monitoring Reader on appi");
    expect(grantsOf("worker").filter((g) => g.endsWith(" on appi"))).toEqual([
      "Monitoring Metrics Publisher on appi",
      "Monitoring Reader on appi",
    ]);
  });
});

describe("GIVEN a service named a secret's reader but without its kv-secret row", () => {
  it("THEN the plan stops, naming the secret, the reader and the table", () => {
    const dir = path.join(tmp, "no-row");
    copyTree(dir);
    addIndexer(dir);
    const r = planDev(dir, path.join(tmp, "no-row.json"));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(
      "vault secret zep-api-key: indexer reads it but has no kv-secret row in src/access.ts (DESIGN.md §4)",
    );
  }, 120_000);
});

describe("secretReaderProblems: VAULT_SECRETS and ACCESS agree before anything is registered", () => {
  const all = { secretsPresent: SECRET_SETTING_KEYS };

  it.each(ENVIRONMENTS)(
    "GIVEN the committed tables in %s, every optional secret set, either password mode THEN no problem",
    (env) => {
      for (const postgresPasswordAuth of [true, false]) {
        const decisions = decide(env, env === "dev" || env === "test" ? { postgresPasswordAuth } : {});
        expect(secretReaderProblems({ ...all, decisions })).toEqual([]);
      }
    },
  );

  const dev = { ...all, decisions: decide("dev", { postgresPasswordAuth: true }) };

  it("GIVEN ACCESS without zep's kv-secret row THEN one problem per secret zep reads, naming the secret, zep and the table", () => {
    const table = ACCESS.filter((r) => !(r.who === "zep" && r.on === "kv-secret"));
    expect(secretReaderProblems(dev, table)).toEqual([
      "vault secret zep-api-key: zep reads it but has no kv-secret row in src/access.ts (DESIGN.md §4)",
      "vault secret azure-ai-key: zep reads it but has no kv-secret row in src/access.ts (DESIGN.md §4)",
      "vault secret postgres-password: zep reads it but has no kv-secret row in src/access.ts (DESIGN.md §4)",
    ]);
  });

  it("GIVEN a reader that is not a service with its own identity THEN it is named, never silently left out", () => {
    const secrets: Record<string, VaultSecretSpec> = {
      ...VAULT_SECRETS,
      "zep-api-key": { ...VAULT_SECRETS["zep-api-key"], readers: () => ["backend", "indexr" as "backend"] },
    };
    expect(secretReaderProblems(dev, ACCESS, secrets)).toEqual([
      "vault secret zep-api-key: indexr reads it but is not a service with its own identity in src/services.ts",
    ]);
  });

  it("GIVEN an optional secret that is not set THEN its readers are not checked; set, they are", () => {
    const table = ACCESS.filter((r) => !(r.who === "backend" && r.on === "kv-secret"));
    const problems = (present: typeof SECRET_SETTING_KEYS) =>
      secretReaderProblems({ decisions: dev.decisions, secretsPresent: present }, table).filter((p) =>
        p.startsWith("vault secret gemini-api-key:"),
      );
    expect(problems(["azureAiKey"])).toEqual([]);
    expect(problems(["azureAiKey", "geminiApiKey"])).toEqual([
      "vault secret gemini-api-key: backend reads it but has no kv-secret row in src/access.ts (DESIGN.md §4)",
    ]);
  });
});
