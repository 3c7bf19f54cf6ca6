import * as fs from "fs";
import * as path from "path";
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

function registered(): string[] {
  const doc = fs.readFileSync(path.join(__dirname, "..", "docs", "deploy-for-real.md"), "utf8");
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
