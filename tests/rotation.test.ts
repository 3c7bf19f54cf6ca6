import { PlanIndex } from "../scripts/offline/plan-index";
import { ENVIRONMENTS, Environment, planOk } from "./helpers/plan";
import { appEnvVar, appWorkload, Runtime, runtimeOf } from "./helpers/workloads";

/**
 * SOP 002 ("restart the Container App to pick up a new value") and DESIGN.md §3: a generated
 * secret that rotates must reach the apps that read it. Running replicas keep the environment they
 * started with, so every app that reads a generated secret carries the secret's generation time in
 * ENGRAM_SECRETS_ROTATED: a rotation changes the template and Container Apps starts a new revision.
 * On AKS (prod) the same stamp is an env var of the Deployment's pod template, so a rotation changes
 * the template and the Deployment rolls its pods (the CSI driver's own rotation poll refreshes the
 * mounted files and the synced Secret, but env vars read from that Secret change only when a pod
 * restarts: the stamp is what restarts them).
 */

/** Generated secrets each app reads, written out from DESIGN.md §3 (not derived from src/services.ts). */
const GENERATED_READS: Record<Environment, Record<string, string[]>> = {
  dev: {
    backend: ["postgres-password", "zep-api-key"],
    worker: ["postgres-password", "zep-api-key"],
    zep: ["postgres-password", "zep-api-key"],
    temporal: ["postgres-password"],
  },
  test: {
    backend: ["postgres-password", "zep-api-key"],
    worker: ["postgres-password", "zep-api-key"],
    zep: ["postgres-password", "zep-api-key"],
    temporal: ["postgres-password"],
  },
  uat: {
    backend: ["zep-api-key"],
    worker: ["zep-api-key"],
    zep: ["postgres-password", "zep-api-key"],
    temporal: ["postgres-password"],
  },
  staging: {
    backend: ["zep-api-key"],
    worker: ["zep-api-key"],
    zep: ["postgres-password", "zep-api-key"],
    temporal: ["postgres-password"],
  },
  prod: {
    backend: ["zep-api-key"],
    worker: ["zep-api-key"],
    zep: ["postgres-password", "zep-api-key"],
    temporal: ["postgres-password"],
  },
};

function rotationStamp(index: PlanIndex, runtime: Runtime, app: string): string | undefined {
  const stamp = appEnvVar(appWorkload(index, runtime, app), "ENGRAM_SECRETS_ROTATED");
  // A plain value: a secretRef would hide the change from the template.
  expect(stamp?.secret).toBeUndefined();
  return stamp?.value;
}

describe.each(ENVIRONMENTS)("secret rotation reaches the apps in %s", (env) => {
  it.each(Object.keys(GENERATED_READS[env]))(
    "GIVEN the %s app WHEN a generated secret it reads rotates THEN its template changes",
    async (app) => {
      const r = await planOk(env);
      const { index } = r;
      const stamp = rotationStamp(index, runtimeOf(r), app) ?? "";
      const generated = stamp
        .split(";")
        .filter((part) => /^(zep-api-key|postgres-password)@/.test(part))
        .map((part) => part.split("@")[0])
        .sort();
      expect(generated).toEqual(GENERATED_READS[env][app]);
      // The stamp is the generation time of the secret's Rotating trigger (placeholder base time).
      for (const part of stamp.split(";").filter((p) => /^(zep-api-key|postgres-password)@/.test(p)))
        expect(part).toMatch(/@\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      // ...and it comes from that trigger: the template (the Container App's, or the Deployment's
      // spec, which holds its pod template) depends on each secret's time.Rotating, so a rotation (a
      // new Rotating value) changes the template. A fixed stamp would not.
      const template = appWorkload(index, runtimeOf(r), app).templateDependencies;
      for (const secret of GENERATED_READS[env][app])
        expect(template).toContain(
          index.one("time:index/rotating:Rotating", `secret-${secret}-rotation`).urn,
        );
    },
  );

  it("GIVEN the Temporal UI (reads no generated secret) THEN it carries no generated-secret stamp", async () => {
    const r = await planOk(env);
    expect(rotationStamp(r.index, runtimeOf(r), "temporal-ui") ?? "").not.toMatch(
      /zep-api-key|postgres-password/,
    );
  });
});
