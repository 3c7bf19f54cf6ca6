import { ENVIRONMENTS, planOk } from "./helpers/plan";

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
