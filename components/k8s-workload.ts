import * as pulumi from "@pulumi/pulumi";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import { CustomResource } from "@pulumi/kubernetes/apiextensions";
import { Deployment } from "@pulumi/kubernetes/apps/v1";
import { HorizontalPodAutoscaler } from "@pulumi/kubernetes/autoscaling/v2";
import { Service, ServiceAccount } from "@pulumi/kubernetes/core/v1";
import { PodDisruptionBudget } from "@pulumi/kubernetes/policy/v1";
import { isSecretLikeEnv } from "../lib/env-vars";
import { APP_LABEL, PodArgs, podTemplate } from "./k8s-pod";

/** The workload identity of one app: its managed identity, federated with its ServiceAccount. */
export interface WorkloadIdentityArgs {
  clientId: pulumi.Input<string>;
  /** The user-assigned identity's name and resource group (the credential is its child). */
  identityName: pulumi.Input<string>;
  resourceGroupName: pulumi.Input<string>;
  /** The cluster's OIDC issuer URL. */
  issuer: pulumi.Input<string>;
}

export interface K8sWorkloadArgs extends Omit<
  PodArgs,
  "workloadIdentity" | "secretProviderClass" | "syncedSecret" | "labels"
> {
  namespace: string;
  /** Labels of every object (the app label is added). */
  labels: Record<string, string>;
  /** Absent: the pods run without an Azure identity (and can read no Key Vault secret). @default none */
  identity?: WorkloadIdentityArgs;
  /** The vault the secrets live in. Required when `secrets` is not empty. @default none */
  keyVault?: { name: pulumi.Input<string>; tenantId: pulumi.Input<string> };
  /** Exactly the Key Vault secrets the app reads (the SecretProviderClass's objects). @default [] */
  secrets?: string[];
  replicas: { min: number; max: number };
  /** A ClusterIP Service on `port`, or the internal load balancer with a static IP. @default none */
  service?: {
    port: number;
    internalLoadBalancer?: { ip: string; subnetName: string };
  };
  /** What the pods must wait for (the identity's Key Vault grants). @default [] */
  dependsOn?: pulumi.Resource[];
}

/** The SecretProviderClass `objects` parameter: one Key Vault secret per entry, by name. */
export function keyVaultObjects(secrets: readonly string[]): string {
  return (
    ["array:", ...secrets.map((s) => `  - |\n    objectName: ${s}\n    objectType: secret`)].join("\n") + "\n"
  );
}

function checkArgs(a: K8sWorkloadArgs): void {
  const secrets = a.secrets ?? [];
  if (secrets.length > 0 && (!a.identity || !a.keyVault))
    throw new Error(`${a.app}: Key Vault secrets need the app's workload identity and the vault`);
  for (const [v, s] of [...Object.entries(a.secretEnv), ...Object.entries(a.secretFiles)])
    if (!secrets.includes(s))
      throw new Error(`${a.app}: ${v} refers to secret ${s}, which the app does not read`);
  for (const v of Object.keys(a.env)) {
    if (v in a.secretEnv) throw new Error(`${a.app}: env var ${v} is both plain and from a secret`);
    if (isSecretLikeEnv(v))
      throw new Error(`${a.app}: env var ${v} looks like a secret; read it from Key Vault (SOP 002)`);
  }
}

type Meta = (
  n: string,
  annotations?: Record<string, pulumi.Input<string>>,
) => {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  annotations?: Record<string, pulumi.Input<string>>;
};

/**
 * The app's SecretProviderClass: exactly its Key Vault secrets, read with its workload identity;
 * the env secrets synced by the driver into `syncedSecret` when a pod mounts the volume.
 */
function secretProviderClass(
  name: string,
  args: K8sWorkloadArgs,
  syncedSecret: string,
  meta: Meta,
  parent: pulumi.Resource,
): CustomResource | undefined {
  const secrets = args.secrets ?? [];
  const id = args.identity;
  if (secrets.length === 0 || !id || !args.keyVault) return undefined;
  const envSecrets = [...new Set(Object.values(args.secretEnv))].sort();
  const m = meta(`${args.app}-kv`);
  return new CustomResource(
    `${name}-spc`,
    {
      apiVersion: "secrets-store.csi.x-k8s.io/v1",
      kind: "SecretProviderClass",
      metadata: m,
      spec: {
        provider: "azure",
        parameters: {
          usePodIdentity: "false",
          useVMManagedIdentity: "false",
          clientID: id.clientId,
          keyvaultName: args.keyVault.name,
          tenantId: args.keyVault.tenantId,
          objects: keyVaultObjects(secrets),
        },
        ...(envSecrets.length > 0
          ? {
              secretObjects: [
                {
                  secretName: syncedSecret,
                  type: "Opaque",
                  labels: m.labels,
                  data: envSecrets.map((s) => ({ objectName: s, key: s })),
                },
              ],
            }
          : {}),
      },
    },
    { parent },
  );
}

/** The app's Service (if any), its PodDisruptionBudget and, when it scales, its HPA. */
function exposeAndProtect(
  name: string,
  args: K8sWorkloadArgs,
  meta: Meta,
  scales: boolean,
  parent: pulumi.Resource,
): void {
  const a = args.app;
  const selector = { matchLabels: { [APP_LABEL]: a } };
  const s = args.service;
  if (s && args.containerPort) {
    const ilb = s.internalLoadBalancer;
    new Service(
      `${name}-service`,
      {
        metadata: meta(
          a,
          ilb
            ? {
                "service.beta.kubernetes.io/azure-load-balancer-internal": "true",
                "service.beta.kubernetes.io/azure-load-balancer-internal-subnet": ilb.subnetName,
                "service.beta.kubernetes.io/azure-load-balancer-ipv4": ilb.ip,
              }
            : undefined,
        ),
        spec: {
          type: ilb ? "LoadBalancer" : "ClusterIP",
          selector: selector.matchLabels,
          ports: [
            {
              name: args.containerPort.name,
              port: s.port,
              targetPort: args.containerPort.name,
              protocol: "TCP",
            },
          ],
          // The client's address reaches the pod, so the network policy can admit the WAF subnet.
          ...(ilb ? { externalTrafficPolicy: "Local" } : {}),
        },
      },
      { parent },
    );
  }

  // maxUnavailable 1: a drain always proceeds (a single replica is evicted and rescheduled, never
  // blocked), and a multi-replica app keeps all but one serving; unhealthy pods never block.
  new PodDisruptionBudget(
    `${name}-pdb`,
    { metadata: meta(a), spec: { maxUnavailable: 1, selector, unhealthyPodEvictionPolicy: "AlwaysAllow" } },
    { parent },
  );
  if (scales)
    new HorizontalPodAutoscaler(
      `${name}-hpa`,
      {
        metadata: meta(a),
        spec: {
          scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: a },
          minReplicas: args.replicas.min,
          maxReplicas: args.replicas.max,
          metrics: [
            {
              type: "Resource",
              resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } },
            },
          ],
        },
      },
      { parent },
    );
}

/**
 * One Engram service on AKS (DESIGN.md §11): its ServiceAccount bound to its managed identity (a
 * federated credential for `system:serviceaccount:<ns>:<app>`), a SecretProviderClass naming
 * exactly the Key Vault secrets it reads, the Deployment (Pod Security `restricted`, requests and
 * limits, secrets only through the CSI driver), its Service, a PodDisruptionBudget and, when it
 * scales, an HPA. No Kubernetes Secret is created here: the CSI driver syncs the env secrets into
 * one at mount, so no secret value is ever in the program, the plan or the state.
 */
export class K8sWorkload extends pulumi.ComponentResource {
  /** The federated identity credential (when the app has an identity). */
  readonly federatedCredential?: managedidentity.FederatedIdentityCredential;

  constructor(name: string, args: K8sWorkloadArgs, opts: pulumi.ComponentResourceOptions) {
    super("engram:aks:Workload", name, {}, opts);
    checkArgs(args);
    const a = args.app;
    const labels = { ...args.labels, [APP_LABEL]: a };
    const meta = (n: string, annotations?: Record<string, pulumi.Input<string>>) => ({
      name: n,
      namespace: args.namespace,
      labels,
      ...(annotations ? { annotations } : {}),
    });
    const selector = { matchLabels: { [APP_LABEL]: a } };
    const id = args.identity;
    const waitFor: pulumi.Resource[] = [...(args.dependsOn ?? [])];

    if (id)
      this.federatedCredential = new managedidentity.FederatedIdentityCredential(
        `${name}-fic`,
        {
          resourceGroupName: id.resourceGroupName,
          resourceName: id.identityName,
          federatedIdentityCredentialResourceName: `aks-${args.namespace}-${a}`,
          issuer: id.issuer,
          subject: `system:serviceaccount:${args.namespace}:${a}`,
          audiences: ["api://AzureADTokenExchange"],
        },
        { parent: this },
      );
    waitFor.push(...(this.federatedCredential ? [this.federatedCredential] : []));
    waitFor.push(
      new ServiceAccount(
        `${name}-sa`,
        {
          metadata: meta(a, id ? { "azure.workload.identity/client-id": id.clientId } : undefined),
          automountServiceAccountToken: false,
        },
        { parent: this },
      ),
    );

    const secrets = args.secrets ?? [];
    const syncedSecret = `${a}-kv-env`;
    const spc = secretProviderClass(name, args, syncedSecret, meta, this);
    if (spc) waitFor.push(spc);

    const scales = args.replicas.max > args.replicas.min;
    const template = podTemplate({
      ...args,
      labels,
      workloadIdentity: id !== undefined,
      secretProviderClass: secrets.length > 0 ? `${a}-kv` : undefined,
      syncedSecret,
    });
    new Deployment(
      `${name}-deployment`,
      {
        metadata: meta(a),
        spec: {
          // With an HPA the replica count is the HPA's (a fixed one would fight it on every apply).
          ...(scales ? {} : { replicas: args.replicas.min }),
          selector,
          strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
          revisionHistoryLimit: 5,
          template,
        },
      },
      { parent: this, dependsOn: waitFor },
    );

    exposeAndProtect(name, args, meta, scales, this);
    this.registerOutputs({});
  }
}
