import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { accessDiff, KindDiff, renderAccessDiff } from "../scripts/offline/access-diff";
import { accessModel } from "../scripts/offline/access-model";
import { PlanIndex } from "../scripts/offline/plan-index";
import type { PreviewJson } from "../scripts/offline/plan";
import { main } from "../scripts/access-diff";
import { runMain, runMainFailingStdout } from "./helpers/cli";
import { committed, inputs, Json, Step, step } from "./helpers/plan-copies";

/**
 * `npm run access-diff`: what a pull request changes in access, on plan pairs made here from the
 * committed plans (the head is the base with one change of each kind).
 */

const ROOT = path.resolve(__dirname, "..");

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "engram-access-diff-"));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** A copy of a role assignment step under another name and description. */
function addGrant(plan: PreviewJson, like: string, name: string, description: string): void {
  const copy = JSON.parse(JSON.stringify(step(plan, like))) as Step;
  copy.urn = copy.urn.replace(new RegExp(`::${like}$`), `::${name}`);
  copy.newState.urn = copy.urn;
  copy.newState.inputs.description = description;
  plan.steps.push(copy);
}

/** The staging plan with one change of each kind. */
async function changedStaging(): Promise<PreviewJson> {
  const head = await committed("staging");
  addGrant(head, "worker-acrpull-acr", "worker-reader-rg", "engram-infra: worker -> Reader on rg");
  addGrant(
    head,
    "worker-key-vault-secrets-user-kv-secret-zep-api-key",
    "temporal-key-vault-secrets-user-kv-secret-zep-api-key",
    "engram-infra: temporal -> Key Vault Secrets User on kv-secret:zep-api-key",
  );
  head.steps = head.steps.filter((s) => !s.urn.endsWith("::entra-api-role-group-pm"));
  inputs(head, "zep-app").configuration.ingress.external = true;
  return head;
}

const STAGING_DIFF = [
  "### Access changes in `staging` (environment `staging`)",
  "",
  "6 changes for a security reviewer to approve (SOP 000 Change Control).",
  "",
  "**Role assignments**",
  "",
  "- added `temporal -> Key Vault Secrets User on kv-secret:zep-api-key`",
  "- added `worker -> Reader on rg`",
  "",
  "**App-role assignments**",
  "",
  "- removed `group:pm -> app role PM of engram-api-staging`",
  "",
  "**Secret readers**",
  "",
  "- added `zep-api-key <- temporal (Key Vault Secrets User)`",
  "",
  "**Network paths**",
  "",
  "- added `internet -> zep:8000/http (ingress)`",
  "- removed `container apps environment -> zep:8000/http (ingress)`",
  "",
].join("\n");

describe("the access diff of two plans", () => {
  it("GIVEN the same plan twice THEN nothing changed", async () => {
    const plan = await committed("prod");
    expect(renderAccessDiff(plan, plan)).toBe(
      "### Access changes in `prod` (environment `prod`)\n\nNo change to role assignments, app-role assignments, secret readers or network paths.\n",
    );
  });

  it("GIVEN a head with a grant and a secret reader added, an app-role assignment removed and Zep made external THEN each is listed", async () => {
    expect(renderAccessDiff(await committed("staging"), await changedStaging())).toBe(STAGING_DIFF);
  });

  it("GIVEN the head as base and the base as head THEN additions and removals swap", async () => {
    const diff = accessDiff(await changedStaging(), await committed("staging"));
    expect(diff.find((d) => d.kind === "Role assignments")).toEqual({
      kind: "Role assignments",
      added: [],
      removed: ["temporal -> Key Vault Secrets User on kv-secret:zep-api-key", "worker -> Reader on rg"],
    });
    expect(diff.find((d) => d.kind === "App-role assignments")?.added).toEqual([
      "group:pm -> app role PM of engram-api-staging",
    ]);
  });

  it("GIVEN prod's Key Vault opened to the internet THEN a network path is added and nothing else changes", async () => {
    const base = await committed("prod");
    const head = await committed("prod");
    inputs(head, "kv-kv").properties.publicNetworkAccess = "Enabled";
    const diff = accessDiff(base, head);
    expect(diff.find((d) => d.kind === "Network paths")).toEqual({
      kind: "Network paths",
      added: ["internet -> kv-engram-prod-506f53 (public network access)"],
      removed: [],
    });
    expect(
      diff.filter((d) => d.kind !== "Network paths").every((d) => d.added.length + d.removed.length === 0),
    ).toBe(true);
  });

  // Prod runs on AKS, which has no Container App: a secret reference is dropped from staging's (prod's
  // SecretProviderClass, Service and NetworkPolicy cases are below).
  it("GIVEN a Container App secret reference dropped THEN secret readers change", async () => {
    const base = await committed("staging");
    const head = await committed("staging");
    inputs(head, "zep-app").configuration.secrets = (
      inputs(head, "zep-app").configuration.secrets as Json[]
    ).filter((s) => s.name !== "azure-ai-key");
    const diff = accessDiff(base, head);
    expect(diff.find((d) => d.kind === "Secret readers")).toEqual({
      kind: "Secret readers",
      added: [],
      removed: ["azure-ai-key <- zep (Container App secret reference)"],
    });
  });
});

/** Every kind with no change, but for the ones given. */
function onlyChanges(changed: Partial<Record<string, Omit<KindDiff, "kind">>>): KindDiff[] {
  return ["Role assignments", "App-role assignments", "Secret readers", "Network paths"].map((kind) => ({
    kind,
    added: [],
    removed: [],
    ...changed[kind],
  }));
}

const KV = "kv-engram-prod-506f53";
const BACKEND_LB_INTERNAL = `internal load balancer 10.50.1.254 in snet-engram-prod-aks -> backend:80/TCP (Service engram/backend, LoadBalancer)`;
const BACKEND_LB_PUBLIC = "internet -> backend:80/TCP (Service engram/backend, public LoadBalancer)";

/** Adds a Key Vault secret to a SecretProviderClass's `objects` (the format components/k8s-workload.ts writes). */
function addObject(plan: PreviewJson, spc: string, secret: string): void {
  const params = inputs(plan, spc).spec.parameters as Json;
  params.objects = String(params.objects).replace(
    "array:\n",
    `array:\n  - |\n    objectName: ${secret}\n    objectType: secret\n`,
  );
}

/** Removes a Key Vault secret from a SecretProviderClass's `objects`. */
function dropObject(plan: PreviewJson, spc: string, secret: string): void {
  const params = inputs(plan, spc).spec.parameters as Json;
  const entry = `  - |\n    objectName: ${secret}\n    objectType: secret\n`;
  if (!String(params.objects).includes(entry)) throw new Error(`${spc} does not name ${secret}`);
  params.objects = String(params.objects).replace(entry, "");
}

/** Prod with the backend's SecretProviderClass reading postgres-password and its Service made public. */
async function changedProd(): Promise<PreviewJson> {
  const head = await committed("prod");
  addObject(head, "aks-backend-spc", "postgres-password");
  delete (inputs(head, "aks-backend-service").metadata.annotations as Json)[
    "service.beta.kubernetes.io/azure-load-balancer-internal"
  ];
  return head;
}

const PROD_DIFF = [
  "### Access changes in `prod` (environment `prod`)",
  "",
  "3 changes for a security reviewer to approve (SOP 000 Change Control).",
  "",
  "**Role assignments**",
  "",
  "No change.",
  "",
  "**App-role assignments**",
  "",
  "No change.",
  "",
  "**Secret readers**",
  "",
  `- added \`postgres-password <- backend (SecretProviderClass engram/backend-kv on ${KV})\``,
  "",
  "**Network paths**",
  "",
  `- added \`${BACKEND_LB_PUBLIC}\``,
  `- removed \`${BACKEND_LB_INTERNAL}\``,
  "",
].join("\n");

describe("the access diff of two prod plans (AKS)", () => {
  it("reads prod's SecretProviderClasses: each object with the identity whose client id the class names", async () => {
    const model = accessModel(new PlanIndex(await committed("prod")));
    const spc = (app: string, secrets: string[]) =>
      secrets.map((s) => `${s} <- ${app} (SecretProviderClass engram/${app}-kv on ${KV})`);
    expect(model.secretReaders.filter((l) => l.includes("(SecretProviderClass "))).toEqual(
      [
        ...spc("backend", ["azure-ai-key", "zep-api-key"]),
        ...spc("worker", [
          "azure-ai-key",
          "temporal-tls-ca",
          "temporal-tls-client-cert",
          "temporal-tls-client-key",
          "zep-api-key",
        ]),
        ...spc("zep", ["azure-ai-key", "postgres-password", "zep-api-key"]),
        ...spc("temporal", [
          "postgres-password",
          "temporal-tls-ca",
          "temporal-tls-server-cert",
          "temporal-tls-server-key",
        ]),
        ...spc("temporal-ui", ["temporal-tls-ca", "temporal-tls-ui-cert", "temporal-tls-ui-key"]),
      ].sort(),
    );
  });

  it("reads prod's Services: the backend behind the internal load balancer, the others ClusterIP", async () => {
    const model = accessModel(new PlanIndex(await committed("prod")));
    expect(model.networkPaths.filter((l) => l.includes("(Service "))).toEqual([
      "cluster -> temporal-ui:8080/TCP (Service engram/temporal-ui, ClusterIP)",
      "cluster -> temporal:7233/TCP (Service engram/temporal, ClusterIP)",
      "cluster -> zep:8000/TCP (Service engram/zep, ClusterIP)",
      BACKEND_LB_INTERNAL,
    ]);
  });

  it("GIVEN postgres-password added to the backend's SecretProviderClass THEN backend is a new reader of it", async () => {
    const base = await committed("prod");
    const head = await committed("prod");
    addObject(head, "aks-backend-spc", "postgres-password");
    expect(accessDiff(base, head)).toEqual(
      onlyChanges({
        "Secret readers": {
          added: [`postgres-password <- backend (SecretProviderClass engram/backend-kv on ${KV})`],
          removed: [],
        },
      }),
    );
  });

  it("GIVEN zep-api-key removed from the worker's SecretProviderClass THEN the worker no longer reads it that way", async () => {
    const base = await committed("prod");
    const head = await committed("prod");
    dropObject(head, "aks-worker-spc", "zep-api-key");
    expect(accessDiff(base, head)).toEqual(
      onlyChanges({
        "Secret readers": {
          added: [],
          removed: [`zep-api-key <- worker (SecretProviderClass engram/worker-kv on ${KV})`],
        },
      }),
    );
  });

  it("GIVEN the backend's SecretProviderClass reading with the worker's client id THEN the worker is the reader", async () => {
    const base = await committed("prod");
    const head = await committed("prod");
    const worker = inputs(head, "aks-worker-spc").spec.parameters.clientID as string;
    inputs(head, "aks-backend-spc").spec.parameters.clientID = worker;
    const how = `(SecretProviderClass engram/backend-kv on ${KV})`;
    expect(accessDiff(base, head)).toEqual(
      onlyChanges({
        "Secret readers": {
          added: [`azure-ai-key <- worker ${how}`, `zep-api-key <- worker ${how}`],
          removed: [`azure-ai-key <- backend ${how}`, `zep-api-key <- backend ${how}`],
        },
      }),
    );
  });

  it("GIVEN the internal annotation dropped from the backend's Service THEN a public load balancer path is added", async () => {
    const base = await committed("prod");
    const head = await committed("prod");
    delete (inputs(head, "aks-backend-service").metadata.annotations as Json)[
      "service.beta.kubernetes.io/azure-load-balancer-internal"
    ];
    expect(accessDiff(base, head)).toEqual(
      onlyChanges({ "Network paths": { added: [BACKEND_LB_PUBLIC], removed: [BACKEND_LB_INTERNAL] } }),
    );
  });

  it("GIVEN a source range on the backend's load balancer and Zep on a NodePort THEN a path per range, and the nodes reach Zep", async () => {
    const base = await committed("prod");
    const head = await committed("prod");
    inputs(head, "aks-backend-service").spec.loadBalancerSourceRanges = ["10.60.0.0/24"];
    inputs(head, "aks-zep-service").spec.type = "NodePort";
    expect(accessDiff(base, head)).toEqual(
      onlyChanges({
        "Network paths": {
          added: [
            "10.60.0.0/24 via internal load balancer 10.50.1.254 in snet-engram-prod-aks -> backend:80/TCP (Service engram/backend, LoadBalancer, source range)",
            "aks nodes (node port any) -> zep:8000/TCP (Service engram/zep, NodePort)",
          ],
          removed: ["cluster -> zep:8000/TCP (Service engram/zep, ClusterIP)", BACKEND_LB_INTERNAL],
        },
      }),
    );
  });

  it("GIVEN a Key Vault key (not a secret) added to the worker's SecretProviderClass THEN the line names its type", async () => {
    const base = await committed("prod");
    const head = await committed("prod");
    const params = inputs(head, "aks-worker-spc").spec.parameters as Json;
    params.objects = String(params.objects).replace(
      "array:\n",
      "array:\n  - |\n    objectName: signing-key\n    objectType: key\n",
    );
    expect(accessDiff(base, head)).toEqual(
      onlyChanges({
        "Secret readers": {
          added: [`key signing-key <- worker (SecretProviderClass engram/worker-kv on ${KV})`],
          removed: [],
        },
      }),
    );
  });

  it("GIVEN an egress rule to public addresses on port 80 THEN each pod it selects gets a new path", async () => {
    const base = await committed("prod");
    const head = await committed("prod");
    const spec = inputs(head, "aks-network-policies-ai-and-entra-egress").spec as Json;
    spec.egress = [
      ...(spec.egress as Json[]),
      {
        ports: [{ port: 80, protocol: "TCP" }],
        to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"] } }],
      },
    ];
    expect(accessDiff(base, head)).toEqual(
      onlyChanges({
        "Network paths": {
          added: [
            "backend -> internet TCP/80 (NetworkPolicy)",
            "worker -> internet TCP/80 (NetworkPolicy)",
            "zep -> internet TCP/80 (NetworkPolicy)",
          ],
          removed: [],
        },
      }),
    );
  });

  it("GIVEN a SecretProviderClass object and a public Service THEN the Markdown names both", async () => {
    expect(renderAccessDiff(await committed("prod"), await changedProd())).toBe(PROD_DIFF);
  });
});

describe("npm run access-diff", () => {
  // A real process (accessDiffCli) once per kind of outcome, to prove the wiring (exit code, which
  // stream) end to end: exit 0 with the staging diff, exit 2 on a wrong command line (--bogus), exit
  // 2 on a file that cannot be read (no-such.json). The other cases run the command's main in this
  // process (accessDiffInProcess: the same output and exit code); an internal error has no trigger
  // from outside and is proved in process.
  const accessDiffInProcess = (...args: string[]) => runMain(main, args);
  function accessDiffCli(...args: string[]) {
    const r = spawnSync(process.execPath, ["scripts/run-ts.js", "scripts/access-diff.ts", ...args], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 60_000,
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }
  const USAGE = "usage: npm run access-diff -- <base.json> <head.json>";

  it("GIVEN two plan files of staging THEN the Markdown diff on stdout, exit 0", async () => {
    const base = path.join(tmp, "base.json");
    const head = path.join(tmp, "head.json");
    fs.writeFileSync(base, JSON.stringify(await committed("staging")));
    fs.writeFileSync(head, JSON.stringify(await changedStaging()));
    expect(accessDiffCli(base, head)).toEqual({ status: 0, stdout: STAGING_DIFF, stderr: "" });
  });

  it("GIVEN two plan files of prod (AKS) THEN the Markdown diff on stdout, exit 0", async () => {
    const base = path.join(tmp, "prod-base.json");
    const head = path.join(tmp, "prod-head.json");
    fs.writeFileSync(base, JSON.stringify(await committed("prod")));
    fs.writeFileSync(head, JSON.stringify(await changedProd()));
    expect(await accessDiffInProcess(base, head)).toEqual({ status: 0, stdout: PROD_DIFF, stderr: "" });
  });

  it("GIVEN plans of two stacks THEN exit 2 with one line and the usage", async () => {
    const uat = path.join(tmp, "uat.json");
    const prod = path.join(tmp, "prod.json");
    fs.writeFileSync(uat, JSON.stringify(await committed("uat")));
    fs.writeFileSync(prod, JSON.stringify(await committed("prod")));
    expect(await accessDiffInProcess(uat, prod)).toEqual({
      status: 2,
      stdout: "",
      stderr: `the plans are of two stacks (uat, prod); compare two plans of one stack\n${USAGE}\n`,
    });
  });

  it.each([
    [["one.json"], `expected two plan files (base, head), got 1\n${USAGE}\n`],
    [["--bogus"], `unknown argument --bogus\n${USAGE}\n`],
    [["no-such.json", "package.json"], "no-such.json does not exist\n"],
  ])("GIVEN %j THEN exit 2 with one line, no stack trace", async (args, stderr) => {
    expect(await accessDiffInProcess(...args)).toEqual({ status: 2, stdout: "", stderr });
  });

  it.each([
    [["--bogus"], `unknown argument --bogus\n${USAGE}\n`],
    [["no-such.json", "package.json"], "no-such.json does not exist\n"],
  ])("GIVEN %j THEN its own process exits 2 with one line, no stack trace", (args, stderr) => {
    expect(accessDiffCli(...args)).toEqual({ status: 2, stdout: "", stderr });
  });

  it("GIVEN --help THEN the usage on stdout and exit 0", async () => {
    expect(await accessDiffInProcess("--help")).toEqual({ status: 0, stdout: `${USAGE}\n`, stderr: "" });
  });

  it("GIVEN an internal error (here: stdout throws) THEN exits 2 with one line, the stack only with ENGRAM_DEBUG", async () => {
    const r = await runMainFailingStdout(main, ["--help"], {});
    expect(r).toEqual({ status: 2, stdout: "", stderr: "internal error: stdout broke\n" });
    const debug = await runMainFailingStdout(main, ["--help"], { ENGRAM_DEBUG: "1" });
    expect(debug.stderr).toMatch(/^internal error: stdout broke\nError: stdout broke\nsecond line\n {4}at /);
  });
});
