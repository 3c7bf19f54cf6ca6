import { placeholderResource } from "../scripts/offline/placeholders";
import { ENVIRONMENTS, planOk } from "./helpers/plan";
import { appEnvVar, appWorkload, runtimeOf } from "./helpers/workloads";

/**
 * SOP 000 Audit & Logging (centralize in Log Analytics + App Insights): backend and worker send
 * their telemetry to this environment's Application Insights, authenticated by their own identity
 * where local auth is off (Monitoring Metrics Publisher: tests/observability.test.ts). The same on
 * both runtimes: read from the Container App on ACA, from the Deployment's container on AKS (prod).
 */

describe.each(ENVIRONMENTS)("telemetry in %s", (env) => {
  it("gives backend and worker this environment's Application Insights connection string, and no other app", async () => {
    const r = await planOk(env);
    const { index } = r;
    const appi = index.one("azure-native:applicationinsights:Component");
    const expected = placeholderResource(appi.newState.type, "appi", appi.urn, appi.newState.inputs).state
      .connectionString as string;
    expect(expected).toMatch(/^InstrumentationKey=/);
    for (const app of ["backend", "worker", "zep", "temporal", "temporal-ui"]) {
      const cs = appEnvVar(appWorkload(index, runtimeOf(r), app), "APPLICATIONINSIGHTS_CONNECTION_STRING");
      if (app === "backend" || app === "worker")
        expect(cs).toEqual({ name: "APPLICATIONINSIGHTS_CONNECTION_STRING", value: expected });
      else expect(cs).toBeUndefined();
    }
  });

  it("turns off key-based ingestion wherever shared keys are off (uat, staging, prod)", async () => {
    const { index } = await planOk(env);
    const appi = index.one("azure-native:applicationinsights:Component");
    expect(appi.newState.inputs.disableLocalAuth).toBe(["uat", "staging", "prod"].includes(env));
  });
});

// The secret-looking env var guard (lib/env-vars.ts isSecretLikeEnv, used by components/container-app.ts): tests/container-apps.test.ts.
