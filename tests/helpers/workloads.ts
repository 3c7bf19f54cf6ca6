import type { PlanStep } from "../../scripts/offline/plan";
import type { PlanIndex } from "../../scripts/offline/plan-index";

/**
 * An app as each runtime plans it, for the rules that do not depend on the runtime (identity env
 * vars, telemetry, the rotation stamp): the Container App `<app>-app` on ACA, the Deployment named
 * `<app>` (namespace engram) on AKS. Which one is read follows the plan's own `runtime` decision.
 */

export type Runtime = "aca" | "aks";

/** One env var of the app's (first) container: a plain value, or the Key Vault secret it reads. */
export interface AppEnvVar {
  name: string;
  value?: string;
  /** The Key Vault secret behind it: the secretRef on ACA, the synced Secret's key on AKS. */
  secret?: string;
}

export interface AppWorkload {
  step: PlanStep;
  env: AppEnvVar[];
  /** What the pod template / revision template depends on (a change of any starts new replicas). */
  templateDependencies: string[];
}

type AcaEnv = { name: string; value?: string; secretRef?: string };
type K8sEnv = { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } };

/** The plan's runtime (its config decision). */
export const runtimeOf = (r: { config: { decisions: { runtime: { value: string } } } }): Runtime =>
  r.config.decisions.runtime.value as Runtime;

/** The app's workload step in a plan of this runtime (exactly one, or the test fails). */
export function appWorkload(index: PlanIndex, runtime: Runtime, app: string): AppWorkload {
  if (runtime === "aca") {
    const step = index.one("azure-native:app:ContainerApp", `${app}-app`);
    const env = (step.newState.inputs.template as { containers: { env: AcaEnv[] }[] }).containers[0].env;
    return {
      step,
      env: env.map((e) => ({
        name: e.name,
        ...(e.value !== undefined ? { value: e.value } : {}),
        ...(e.secretRef !== undefined ? { secret: e.secretRef } : {}),
      })),
      templateDependencies: step.newState.propertyDependencies.template ?? [],
    };
  }
  const found = index
    .ofType("kubernetes:apps/v1:Deployment")
    .filter((s) => (s.newState.inputs.metadata as { name: string; namespace: string }).name === app);
  if (found.length !== 1) throw new Error(`expected one Deployment named ${app}, found ${found.length}`);
  const step = found[0];
  const spec = step.newState.inputs.spec as { template: { spec: { containers: { env: K8sEnv[] }[] } } };
  return {
    step,
    env: spec.template.spec.containers[0].env.map((e) => ({
      name: e.name,
      ...(e.value !== undefined ? { value: e.value } : {}),
      ...(e.valueFrom?.secretKeyRef ? { secret: e.valueFrom.secretKeyRef.key } : {}),
    })),
    // The Deployment's template is inside `spec`: a change of anything it depends on rolls the pods.
    templateDependencies: step.newState.propertyDependencies.spec ?? [],
  };
}

/** One env var of the app, or undefined. */
export const appEnvVar = (w: AppWorkload, name: string): AppEnvVar | undefined =>
  w.env.find((e) => e.name === name);
