import { PLANS_DIR_ENV } from "./helpers/plan-files";
import { ENVIRONMENTS, planOk, report } from "./helpers/plan";

describe.each(ENVIRONMENTS)("offline plan of the committed %s stack", (env) => {
  it("plans cleanly and puts the resource group under the stack with the environment's tags", async () => {
    const { index, config } = await planOk(env);
    expect(config.environment).toBe(env);
    const rg = index.one("azure-native:resources:ResourceGroup");
    expect(rg.newState.parent).toBe(
      `urn:pulumi:${env}::engram-infra::pulumi:pulumi:Stack::engram-infra-${env}`,
    );
    expect(rg.newState.inputs.tags).toEqual({
      environment: env,
      owner: "platform-team@engram.example",
      "cost-center": "CC-1042",
      "managed-by": "pulumi",
      project: "engram",
    });
    expect(rg.newState.protect).toBe(["uat", "staging", "prod"].includes(env));
  });
});

describe("the committed plans in tests", () => {
  // Every test file reads them: planning them again, or loading the SDK to read them, is what made
  // the suite slow (tests/global-setup.ts, tests/helpers/plan.ts).
  it("come from this run's global setup, and reading them (plans and reports) loads neither the Pulumi SDK nor the program", async () => {
    expect(process.env[PLANS_DIR_ENV]).toEqual(expect.stringContaining("build/plans/run-"));
    for (const env of ENVIRONMENTS) {
      expect((await planOk(env)).config.environment).toBe(env);
      expect(await report(env)).toContain(env);
    }
    const loaded = Object.keys(require.cache).filter(
      (m) => m.includes("/node_modules/@pulumi") || /\/(src\/(program|layers)|components)\//.test(m),
    );
    expect(loaded).toEqual([]);
  });
});
