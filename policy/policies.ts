import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { entraApps, privilegedRoles, roleAssignmentScope } from "./access-policies";
import {
  containerAppSecrets,
  corsOrigins,
  insecureIngress,
  internalBackplanes,
  logRetention,
  peerEncryption,
  temporalMtls,
  wafPrevention,
} from "./app-policies";
import { Environment, ENVIRONMENTS, isEnvironment, obj, show } from "./common";
import {
  aksCluster,
  defaultDeny,
  internalServices,
  kubernetesSecrets,
  podSecurity,
  runtimeByEnvironment,
} from "./k8s-policies";
import {
  keyVault,
  noLocalAuth,
  postgresServer,
  postgresTls,
  privateEndpoints,
  protectStateful,
  storageAccount,
} from "./data-policies";

/**
 * The SOP rules as Pulumi policies, for one environment. The same functions run under
 * `pulumi preview|up --policy-pack policy` (index.ts hands them to a PolicyPack) and offline on a
 * plan (`npm run policy`, scripts/policy.ts). They read only what both give: the resource's type,
 * name, URN, inputs (`props`) and `opts.protect`. They import nothing from the program, so a change
 * to the program cannot weaken them: the thresholds are the SOP's, written out in common.ts.
 * The policies live by concern in access-policies.ts, app-policies.ts, data-policies.ts and
 * k8s-policies.ts (AKS and the Kubernetes objects on it); this
 * file assembles the pack.
 */

export {
  ENVIRONMENTS,
  INTERNAL_SERVICES,
  isEnvironment,
  LOG_RETENTION_DAYS,
  PRIVILEGED_ROLES,
  SECRET_ENV,
  STATEFUL_TYPES,
} from "./common";
export type { Environment } from "./common";
export { TLS12_GATEWAY_POLICIES } from "./app-policies";
export { POSTGRES_TLS_PARAMETERS } from "./data-policies";

export function engramPolicies(env: Environment): (ResourceValidationPolicy | StackValidationPolicy)[] {
  return [
    privilegedRoles(env),
    roleAssignmentScope(),
    keyVault(env),
    storageAccount(env),
    postgresServer(env),
    containerAppSecrets(),
    insecureIngress(),
    internalBackplanes(),
    corsOrigins(env),
    noLocalAuth(env),
    peerEncryption(env),
    temporalMtls(env),
    logRetention(env),
    protectStateful(env),
    privateEndpoints(env),
    wafPrevention(env),
    entraApps(),
    postgresTls(),
    aksCluster(),
    podSecurity(env),
    kubernetesSecrets(),
    internalServices(),
    defaultDeny(),
    runtimeByEnvironment(env),
  ];
}

/**
 * The stack's environment from its config as Pulumi hands it to a policy pack (the PULUMI_CONFIG
 * environment variable, a JSON object of full keys). Throws with one line when it is missing: the
 * pack cannot choose the rules without it.
 */
export function environmentFromConfig(configJson: string | undefined): Environment {
  let config: Record<string, unknown> = {};
  try {
    config = obj(JSON.parse(configJson ?? "{}"));
  } catch {
    throw new Error("engram policy pack: PULUMI_CONFIG is not JSON; run the pack through pulumi preview/up");
  }
  const env = config["engram:environment"];
  if (!isEnvironment(env))
    throw new Error(
      `engram policy pack: engram:environment is ${show(env)}, expected one of ${ENVIRONMENTS.join(", ")}`,
    );
  return env;
}

/** A resource as a stack policy sees it (exported for the offline runner). */
export type { PolicyResource };
