import type {
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import {
  Environment,
  forType,
  INTERNAL_SERVICES,
  isHigher,
  list,
  obj,
  Props,
  SECRET_ENV,
  show,
} from "./common";

/**
 * Prod on AKS (SOP 000: "AKS private cluster", "workload identity with federated service accounts",
 * "Network policies in AKS: default deny"): the cluster's hardening, and the Kubernetes objects the
 * program deploys on it, read as the Kubernetes API receives them. Part of the pack that
 * policies.ts assembles.
 */

const CLUSTER = "azure-native:containerservice:ManagedCluster";
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const SERVICE = "kubernetes:core/v1:Service";
const NAMESPACE = "kubernetes:core/v1:Namespace";
const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";

/** The cluster settings SOP 000 and Microsoft's AKS built-ins read, as (path, wanted, rule). */
function clusterFindings(p: Props): string[] {
  const api = obj(p.apiServerAccessProfile);
  const security = obj(p.securityProfile);
  const net = obj(p.networkProfile);
  const out: string[] = [];
  const want = (what: string, value: unknown, wanted: unknown, rule: string) => {
    if (value !== wanted) out.push(`${what} is ${show(value)}, must be ${show(wanted)} (${rule})`);
  };
  want(
    "apiServerAccessProfile.enablePrivateCluster",
    api.enablePrivateCluster,
    true,
    "SOP 000: AKS private cluster",
  );
  want(
    "apiServerAccessProfile.enablePrivateClusterPublicFQDN",
    api.enablePrivateClusterPublicFQDN,
    false,
    "SOP 000: AKS private cluster",
  );
  want("disableLocalAccounts", p.disableLocalAccounts, true, "SOP 000 Identity Principles: Entra ID only");
  want("aadProfile.enableAzureRBAC", obj(p.aadProfile).enableAzureRBAC, true, "SOP 000: RBAC everywhere");
  want("oidcIssuerProfile.enabled", obj(p.oidcIssuerProfile).enabled, true, "SOP 000: workload identity");
  want(
    "securityProfile.workloadIdentity.enabled",
    obj(security.workloadIdentity).enabled,
    true,
    "SOP 000: workload identity with federated service accounts",
  );
  want(
    "securityProfile.defender.securityMonitoring.enabled",
    obj(obj(security.defender).securityMonitoring).enabled,
    true,
    "SOP 000 Logging & Monitoring: runtime threat detection",
  );
  want(
    "addonProfiles.azurepolicy.enabled",
    obj(obj(p.addonProfiles).azurepolicy).enabled,
    true,
    "Azure Policy add-on",
  );
  if (typeof net.networkPolicy !== "string" || net.networkPolicy === "none")
    out.push(
      `networkProfile.networkPolicy is ${show(net.networkPolicy)}, must name an engine (SOP 000: Network policies in AKS)`,
    );
  for (const pool of list(p.agentPoolProfiles).map(obj)) {
    const name = show(pool.name);
    if (pool.enableEncryptionAtHost !== true)
      out.push(
        `node pool ${name}: enableEncryptionAtHost is ${show(pool.enableEncryptionAtHost)}, must be true`,
      );
    if (pool.enableNodePublicIP === true)
      out.push(`node pool ${name}: enableNodePublicIP is true, must be false`);
    const ssh = obj(pool.securityProfile).sshAccess;
    if (ssh !== "Disabled")
      out.push(`node pool ${name}: securityProfile.sshAccess is ${show(ssh)}, must be "Disabled"`);
  }
  return out;
}

export function aksCluster(): ResourceValidationPolicy {
  return {
    name: "aks-cluster",
    description:
      "AKS: private API server without public FQDN, Entra ID with Azure RBAC and no local accounts, workload identity, a network policy engine, Defender and the Azure Policy add-on, nodes without SSH or public IPs and with encryption at host.",
    enforcementLevel: "mandatory",
    validateResource: forType(CLUSTER, (p, _args, report) => {
      for (const finding of clusterFindings(p)) report(finding);
    }),
  };
}

/** The pod spec of a Deployment, and every container in it (init containers too). */
function podOf(p: Props): { pod: Props; containers: Props[] } {
  const pod = obj(obj(obj(p.spec).template).spec);
  return { pod, containers: [...list(pod.initContainers), ...list(pod.containers)].map(obj) };
}

/** Pod Security `restricted` in the request itself, and requests/limits on every container. */
function podFindings(p: Props, env: Environment): string[] {
  const { pod, containers } = podOf(p);
  const podCtx = obj(pod.securityContext);
  const out: string[] = [];
  for (const f of ["hostNetwork", "hostPID", "hostIPC"] as const)
    if (pod[f] === true) out.push(`${f} is true (Pod Security restricted)`);
  for (const c of containers) {
    const name = show(c.name);
    const ctx = obj(c.securityContext);
    const runAsNonRoot = ctx.runAsNonRoot ?? podCtx.runAsNonRoot;
    const seccomp = obj(ctx.seccompProfile ?? podCtx.seccompProfile).type;
    if (runAsNonRoot !== true)
      out.push(`container ${name}: runAsNonRoot is ${show(runAsNonRoot)}, must be true`);
    if (ctx.allowPrivilegeEscalation !== false)
      out.push(
        `container ${name}: allowPrivilegeEscalation is ${show(ctx.allowPrivilegeEscalation)}, must be false`,
      );
    if (ctx.privileged === true) out.push(`container ${name}: privileged is true`);
    if (!list(obj(ctx.capabilities).drop).includes("ALL"))
      out.push(`container ${name}: capabilities.drop must include "ALL"`);
    if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost")
      out.push(`container ${name}: seccompProfile.type is ${show(seccomp)}, must be "RuntimeDefault"`);
    const res = obj(c.resources);
    for (const kind of ["requests", "limits"] as const)
      for (const r of ["cpu", "memory"] as const)
        if (obj(res[kind])[r] === undefined) out.push(`container ${name}: resources.${kind}.${r} is unset`);
    if (isHigher(env) && !String(c.image ?? "").includes("@sha256:"))
      out.push(`container ${name}: image ${show(c.image)} is not pinned by digest in ${env}`);
    for (const e of list(c.env).map(obj))
      if (SECRET_ENV.test(String(e.name)) && e.value !== undefined)
        out.push(
          `container ${name}: env var ${show(e.name)} has a value in the request; secrets come from Key Vault through the CSI driver (SOP 002)`,
        );
  }
  return out;
}

export function podSecurity(env: Environment): ResourceValidationPolicy {
  return {
    name: "k8s-pod-security",
    description:
      "Deployments meet Pod Security restricted in the request (non-root, no privilege escalation, drop ALL, RuntimeDefault seccomp, no host namespaces), set requests and limits, pin images by digest in uat/staging/prod, and take no secret as a plain env value.",
    enforcementLevel: "mandatory",
    validateResource: forType(DEPLOYMENT, (p, _args, report) => {
      for (const finding of podFindings(p, env)) report(finding);
    }),
  };
}

export function kubernetesSecrets(): ResourceValidationPolicy {
  return {
    name: "k8s-no-secret-objects",
    description:
      "No Kubernetes Secret is deployed from the program: secrets reach pods only from Key Vault through the Secrets Store CSI driver.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
      if (args.type === "kubernetes:core/v1:Secret")
        report(
          "a Kubernetes Secret in the program; secrets come from Key Vault through the CSI driver (SOP 002)",
        );
    },
  };
}

/** A Service's app: its `app.kubernetes.io/name` label, else its name. */
const appOf = (p: Props): string =>
  String(obj(obj(p.metadata).labels)["app.kubernetes.io/name"] ?? obj(p.metadata).name ?? "");

export function internalServices(): ResourceValidationPolicy {
  return {
    name: "k8s-internal-services",
    description:
      "No NodePort; a LoadBalancer Service is internal (Azure internal load balancer); Zep, Temporal and the Temporal UI are ClusterIP.",
    enforcementLevel: "mandatory",
    validateResource: forType(SERVICE, (p, _args, report) => {
      const spec = obj(p.spec);
      const type = spec.type ?? "ClusterIP";
      const app = appOf(p);
      if (type === "NodePort") report(`Service ${show(app)} is a NodePort (SOP 000 Network Controls)`);
      if (type === "LoadBalancer") {
        const internal = obj(obj(p.metadata).annotations)[
          "service.beta.kubernetes.io/azure-load-balancer-internal"
        ];
        if (internal !== "true")
          report(
            `Service ${show(app)} is a public load balancer; only an internal one behind the WAF is allowed (SOP 000 Network Controls: API public via WAF in prod)`,
          );
      }
      if (INTERNAL_SERVICES.includes(app) && type !== "ClusterIP")
        report(
          `Service ${show(app)} is ${show(type)}, must be ClusterIP (SOP 000: Zep internal-only, Temporal server internal)`,
        );
    }),
  };
}

/** Whether a NetworkPolicy selects every pod and denies both directions (no rules at all). */
function isDefaultDeny(p: Props): boolean {
  const spec = obj(p.spec);
  const types = list(spec.policyTypes).map(String);
  return (
    Object.keys(obj(spec.podSelector)).length === 0 &&
    types.includes("Ingress") &&
    types.includes("Egress") &&
    list(spec.ingress).length === 0 &&
    list(spec.egress).length === 0
  );
}

export function defaultDeny(): StackValidationPolicy {
  return {
    name: "k8s-default-deny",
    description:
      "Every namespace the program deploys workloads into is Pod Security restricted and has a default-deny NetworkPolicy for ingress and egress.",
    enforcementLevel: "mandatory",
    validateStack: (args: StackValidationArgs, report) => {
      const ns = (r: { props: Props }) => String(obj(r.props.metadata).namespace ?? "default");
      const used = new Set(args.resources.filter((r) => r.type === DEPLOYMENT).map(ns));
      const denied = new Set(
        args.resources.filter((r) => r.type === NETWORK_POLICY && isDefaultDeny(r.props)).map(ns),
      );
      const restricted = new Set(
        args.resources
          .filter((r) => r.type === NAMESPACE)
          .filter(
            (r) => obj(obj(r.props.metadata).labels)["pod-security.kubernetes.io/enforce"] === "restricted",
          )
          .map((r) => String(obj(r.props.metadata).name)),
      );
      for (const n of [...used].sort()) {
        if (!denied.has(n))
          report(
            `namespace ${show(n)} has workloads but no default-deny NetworkPolicy (SOP 000: Network policies in AKS: default deny)`,
          );
        if (!restricted.has(n))
          report(
            `namespace ${show(n)} does not enforce Pod Security "restricted" (SOP 000 Runtime security)`,
          );
      }
    },
  };
}

/** The Temporal server's Deployment requires client certificates in prod (its env var). */
export function temporalMtlsDeployment(
  env: Environment,
): (args: ResourceValidationArgs, report: ReportViolation) => void {
  return forType(DEPLOYMENT, (p, _args, report) => {
    if (env !== "prod" || appOf(p) !== "temporal") return;
    const vars = podOf(p).containers.flatMap((c) => list(c.env).map(obj));
    const required = vars.find((e) => e.name === "TEMPORAL_TLS_REQUIRE_CLIENT_AUTH")?.value;
    if (required !== "true")
      report(
        `TEMPORAL_TLS_REQUIRE_CLIENT_AUTH is ${show(required)} in prod, must be "true" (SOP 000 Environment Matrix: Prod, Temporal with mTLS)`,
      );
  });
}

/** SOP 000: "dev, test, uat, staging (ACA) and prod (AKS)". */
export function runtimeByEnvironment(env: Environment): StackValidationPolicy {
  return {
    name: "runtime-by-environment",
    description:
      "Prod runs on a private AKS cluster and nothing on Container Apps; dev, test and uat have no AKS cluster (staging may rehearse prod on AKS).",
    enforcementLevel: "mandatory",
    validateStack: (args: StackValidationArgs, report) => {
      const count = (type: string) => args.resources.filter((r) => r.type === type).length;
      const apps = count("azure-native:app:ContainerApp") + count("azure-native:app:ManagedEnvironment");
      if (env === "prod" && count(CLUSTER) === 0)
        report("prod has no AKS cluster (SOP 000 Environment Matrix: prod (AKS))");
      if (env === "prod" && apps > 0)
        report(
          `prod has ${apps} Container Apps resources; prod runs on AKS (SOP 000 Environment Matrix: prod (AKS))`,
        );
      if (["dev", "test", "uat"].includes(env) && count(CLUSTER) > 0)
        report(
          `${env} has an AKS cluster; dev, test and uat run on Container Apps (SOP 000 Environment Matrix)`,
        );
    },
  };
}
