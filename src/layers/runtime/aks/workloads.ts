import * as pulumi from "@pulumi/pulumi";
import { Provider } from "@pulumi/kubernetes/provider";
import { ROTATION_ENV } from "../../../../components/container-app";
import { K8sNamespace } from "../../../../components/k8s-namespace";
import { K8sWorkload } from "../../../../components/k8s-workload";
import { NetworkPolicies } from "../../../../components/network-policies";
import { ServiceIdentity } from "../../../../components/service-identity";
import { numberToIp, parseCidr } from "../../../../lib/cidr";
import { byKey } from "../../../../lib/text";
import { Context, Platform } from "../../../context";
import { SERVICES } from "../../../services";
import { ServiceIdentities } from "../../identities";
import { AKS_BACKEND_PORT, NetworkLayer } from "../../network";
import { AppSpec } from "../apps";
import { APP_NAMES, AppName, AppPlan, AppPlans } from "../plans";
import { AksClusterLayer } from "./cluster";
import { AKS_NAMESPACE } from "./names";
import { ALLOWED_PATHS } from "./paths";
import { POD_SECURITY } from "./pod-security";
import { policySpecs } from "./policies";

export interface WorkloadDeps {
  cluster: AksClusterLayer;
  identities: ServiceIdentities;
  /** The Temporal UI's own identity (when it has one). */
  uiIdentity?: ServiceIdentity;
  /** Each app's identity, Key Vault secrets (env var → secret), mTLS files, grants. */
  plans: AppPlans;
  /** Each app's env vars, probe, replicas and size (the same contract as on ACA). */
  specs: Record<AppName, AppSpec>;
  network: NetworkLayer;
  /** The vault the SecretProviderClasses read (the data layer's `vaultName`). */
  vaultName: pulumi.Input<string>;
}

export interface Workloads {
  /** The backend Service's static private IP (internal load balancer in the AKS subnet). */
  backendIp: string;
  /** The port that load balancer listens on. */
  backendPort: number;
}

/** Labels on every object of the namespace. */
const COMMON_LABELS = { "app.kubernetes.io/part-of": "engram", "app.kubernetes.io/managed-by": "pulumi" };

/**
 * The backend's internal load balancer address: the last usable address of the AKS subnet (Azure
 * keeps the first four and the last; nodes take addresses from the bottom), so it never collides
 * with a node and is the same on every run.
 */
export function backendIpOf(aksSubnet: string): string {
  const c = parseCidr(aksSubnet);
  if (!c || c.prefix > 28)
    throw new Error(`the AKS subnet ${aksSubnet} cannot hold the backend's load balancer`);
  return numberToIp(c.base + 2 ** (32 - c.prefix) - 2);
}

/** The rotation stamp env var (as on Container Apps): a rotated secret rolls the pods. */
function rotationEnv(plan: AppPlan): Record<string, pulumi.Input<string>> {
  const rotations = Object.entries(plan.rotations).sort(byKey);
  if (rotations.length === 0) return {};
  return {
    [ROTATION_ENV]: pulumi
      .all(rotations.map(([, t]) => t))
      .apply((ts) => rotations.map(([n], i) => `${n}@${ts[i]}`).join(";")),
  };
}

/** Absolute file path -> secret, from the plan's secret volumes (Temporal mTLS). */
function secretFiles(plan: AppPlan): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of Object.values(plan.secretVolumes))
    for (const [file, secret] of Object.entries(v.files)) out[`${v.mountPath}/${file}`] = secret;
  return out;
}

/**
 * The workloads of DESIGN.md §11 in namespace `engram`: a Kubernetes provider from the cluster's
 * Entra kubeconfig (never an admin credential), the namespace (Pod Security `restricted`), one
 * K8sWorkload per app, and the network policies of ./paths.ts.
 */
export function buildWorkloads(ctx: Context, platform: Platform, deps: WorkloadDeps): Workloads {
  const { subnets } = deps.network;
  if (!subnets.aks) throw new Error("the AKS runtime needs the network layer's aks subnet");
  const provider = new Provider(
    "aks",
    {
      kubeconfig: deps.cluster.kubeconfig,
      // Every setting explicit, so no PULUMI_K8S_* variable of the deploying machine changes them.
      enableServerSideApply: true,
      enableConfigMapMutable: false,
      enableSecretMutable: false,
      enablePatchForce: false,
      deleteUnreachable: false,
      skipUpdateUnreachable: false,
      upsertExistingObjects: false,
      suppressDeprecationWarnings: false,
      suppressHelmHookWarnings: false,
    },
    { dependsOn: [deps.cluster.cluster] },
  );
  const k8sOpts = { providers: { kubernetes: provider } };
  const ns = new K8sNamespace("aks-namespace", { name: AKS_NAMESPACE, labels: COMMON_LABELS }, k8sOpts);

  const backendIp = backendIpOf(subnets.aks.addressPrefix);
  for (const a of APP_NAMES) {
    const plan = deps.plans[a];
    const spec = deps.specs[a];
    const s = SERVICES[a];
    const identity = plan.identity;
    new K8sWorkload(
      `aks-${a}`,
      {
        app: a,
        namespace: AKS_NAMESPACE,
        labels: COMMON_LABELS,
        image: ctx.cfg.images[s.imageKey],
        identity: identity && {
          clientId: identity.clientId,
          identityName: identity.name,
          resourceGroupName: platform.resourceGroupName,
          issuer: deps.cluster.oidcIssuerUrl,
        },
        keyVault: { name: deps.vaultName, tenantId: platform.tenantId },
        secrets: Object.keys(plan.keyVaultSecrets).sort(),
        secretEnv: { ...plan.secretEnv, ...(spec.extraSecretEnv ?? {}) },
        secretFiles: secretFiles(plan),
        env: { ...spec.env, ...plan.env, ...rotationEnv(plan) },
        containerPort:
          "port" in s ? { name: s.ingress === "internal-tcp" ? "grpc" : "http", port: s.port } : undefined,
        service:
          "port" in s
            ? a === "backend"
              ? {
                  port: AKS_BACKEND_PORT,
                  internalLoadBalancer: { ip: backendIp, subnetName: subnets.aks.name },
                }
              : { port: s.port }
            : undefined,
        health: spec.health,
        // AKS has no scale-to-zero for a Deployment; at least one replica.
        replicas: { min: Math.max(1, spec.replicas.min), max: Math.max(1, spec.replicas.max) },
        resources: spec.resources,
        security: POD_SECURITY[a],
        zoneSpread: spec.replicas.max > 1,
        dependsOn: [ns.namespace, ...plan.grants],
      },
      k8sOpts,
    );
  }
  new NetworkPolicies(
    "aks-network-policies",
    {
      namespace: AKS_NAMESPACE,
      labels: COMMON_LABELS,
      policies: policySpecs(
        subnets.appgw ? ALLOWED_PATHS : ALLOWED_PATHS.filter((p) => p.name !== "waf-to-backend"),
        { waf: subnets.appgw?.addressPrefix ?? "", privateEndpoints: subnets.privateEndpoints.addressPrefix },
      ),
    },
    { ...k8sOpts, dependsOn: [ns.namespace] },
  );
  return { backendIp, backendPort: AKS_BACKEND_PORT };
}
