import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { RUNNER_NSG_RULES } from "../bootstrap/src/githubRunnerNsg";
import { ENVIRONMENTS, planOk } from "./helpers/plan";

/**
 * docs/deploy-for-real.md registers the resource providers before the first `pulumi up` (the apply
 * identity has no subscription-scope rights to do it). A resource type the program starts using
 * must have its provider in that list, or the first real deployment fails.
 */

/** The Azure resource provider of each azure-native module; undefined: registered in every subscription. */
const NAMESPACE: Record<string, string | undefined> = {
  app: "Microsoft.App",
  applicationinsights: "Microsoft.Insights",
  authorization: undefined,
  containerservice: "Microsoft.ContainerService",
  dbforpostgresql: "Microsoft.DBforPostgreSQL",
  eventgrid: "Microsoft.EventGrid",
  keyvault: "Microsoft.KeyVault",
  managedidentity: "Microsoft.ManagedIdentity",
  monitor: "Microsoft.Insights",
  network: "Microsoft.Network",
  operationalinsights: "Microsoft.OperationalInsights",
  privatedns: "Microsoft.Network",
  resources: undefined,
  storage: "Microsoft.Storage",
  web: "Microsoft.Web",
};

const ROOT = path.join(__dirname, "..");
const DOC = fs.readFileSync(path.join(ROOT, "docs", "deploy-for-real.md"), "utf8");

function registered(): string[] {
  const doc = DOC;
  const loop = /for ns in ([\s\S]*?); do/.exec(doc);
  if (!loop) throw new Error("docs/deploy-for-real.md has no `for ns in ...; do` provider registration");
  return loop[1].split(/[\s\\]+/).filter((w) => w.length > 0);
}

describe.each(ENVIRONMENTS)("resource providers for %s", (env) => {
  it("every azure-native module the plan uses has its provider registered by docs/deploy-for-real.md", async () => {
    const { index } = await planOk(env);
    const modules = [
      ...new Set(
        index.resources
          .map((s) => s.newState.type)
          .filter((t) => t.startsWith("azure-native:"))
          .map((t) => t.split(":")[1]),
      ),
    ].sort();
    const unknown = modules.filter((m) => !(m in NAMESPACE));
    expect(unknown).toEqual([]);
    const needed = modules.map((m) => NAMESPACE[m]).filter((n): n is string => n !== undefined);
    expect(registered()).toEqual(expect.arrayContaining(needed));
  });
});

/**
 * The private deploy path of prod on AKS (DESIGN.md §11 Delivery): the one-time steps the document
 * gives must name what the workflow and the bootstrap actually use.
 */
describe("docs/deploy-for-real.md, prod on AKS: the private deploy path", () => {
  type Step = { name?: string; uses?: string; run?: string; with?: Record<string, string> };
  const deploy = parse(fs.readFileSync(path.join(ROOT, ".github", "workflows", "deploy.yml"), "utf8")) as {
    jobs: Record<string, { "runs-on": string; steps: Step[] }>;
  };
  const prod = deploy.jobs["deploy-prod"];

  it("the repository variable the doc sets is the one the prod deploy job runs on", () => {
    const used = /^\$\{\{ vars\.([A-Z_]+) \}\}$/.exec(prod["runs-on"]);
    expect(used?.[1]).toBe("PROD_RUNNER_LABEL");
    expect([...DOC.matchAll(/gh variable set ([A-Z_]+) --body/g)].map((m) => m[1])).toEqual([used?.[1]]);
  });

  it.each([
    ["pull-request.yml", "preview"],
    ["drift.yml", "drift"],
  ])(
    "%s: the %s job reaches prod's private API server from the same runners, with the same kubelogin",
    (file, job) => {
      const wf = parse(fs.readFileSync(path.join(ROOT, ".github", "workflows", file), "utf8")) as {
        jobs: Record<string, { "runs-on": string; steps: Step[] }>;
      };
      const j = wf.jobs[job];
      // prod on the private-network runner, every other environment on GitHub's own.
      expect(j["runs-on"]).toBe("${{ matrix.env == 'prod' && vars.PROD_RUNNER_LABEL || 'ubuntu-24.04' }}");
      const kubelogin = j.steps.findIndex((st) => st.uses?.split("@")[0] === "azure/use-kubelogin");
      expect(kubelogin).toBeGreaterThan(-1);
      expect((j.steps[kubelogin] as Step & { if?: string }).if).toBe("matrix.env == 'prod'");
      expect(j.steps[kubelogin].uses).toBe(
        prod.steps.find((st) => st.uses?.startsWith("azure/use-kubelogin@"))?.uses,
      );
      expect(j.steps[kubelogin].with?.["kubelogin-version"]).toBe(
        prod.steps.find((st) => st.uses?.startsWith("azure/use-kubelogin@"))?.with?.["kubelogin-version"],
      );
      // The preview: the Pulumi action's preview command, or `pulumi preview` run by hand.
      const runs = j.steps.findIndex(
        (st) => st.with?.command === "preview" || /\bpulumi preview\b/.test(st.run ?? ""),
      );
      expect(runs).toBeGreaterThan(kubelogin);
    },
  );

  it("the prod job installs the kubelogin version the doc names, before pulumi up", () => {
    const names = prod.steps.map((s) => s.uses?.split("@")[0] ?? s.name);
    const kubelogin = names.indexOf("azure/use-kubelogin");
    expect(kubelogin).toBeGreaterThan(-1);
    expect(kubelogin).toBeLessThan(names.indexOf("pulumi up"));
    const version = prod.steps[kubelogin].with?.["kubelogin-version"];
    expect(DOC).toContain(`kubelogin-version: ${version}`);
  });

  it("every bootstrap output the doc reads is exported by bootstrap/index.ts", () => {
    const index = fs.readFileSync(path.join(ROOT, "bootstrap", "index.ts"), "utf8");
    const exported = [...index.matchAll(/^export const (\w+)/gm)].map((m) => m[1]);
    const read = [...new Set([...DOC.matchAll(/pulumi stack output (\w+)/g)].map((m) => m[1]))];
    expect(read).toEqual(
      expect.arrayContaining(["githubEnvironmentVariables", "cicdHub", "githubNetworkSettingsId"]),
    );
    expect(read.filter((name) => !exported.includes(name))).toEqual([]);
    expect(DOC).toContain("`cicdRunnerSubnetId`");
    expect(exported).toContain("cicdRunnerSubnetId");
  });

  it("registers GitHub.Network (the runners' network settings) and Microsoft.ContainerService", () => {
    expect(registered()).toEqual(expect.arrayContaining(["GitHub.Network", "Microsoft.ContainerService"]));
  });

  it("lists the runner subnet's NSG rules exactly as the bootstrap makes them, in order", () => {
    const section = DOC.slice(DOC.indexOf("## Prod on AKS"));
    const inDoc = [...section.matchAll(/^\| (\d+)(?: \(inbound\))? \| `([\w-]+)` \|/gm)].map((m) => [
      Number(m[1]),
      m[2],
    ]);
    expect(inDoc).toEqual(RUNNER_NSG_RULES.map((r) => [r.priority, r.name]));
  });
});
