import {
  Endpoint,
  Flow,
  flowText,
  NetworkPolicyObject,
  Port,
  reachable,
} from "../../../lib/network-reachability";
import { byCodePoint } from "../../../lib/text";
import { PlanIndex } from "../plan-index";
import { code, Inputs, table } from "./format";
import { ReportSection } from "./section";

/**
 * The network paths the plan's NetworkPolicy objects allow, computed with Kubernetes semantics
 * (lib/network-reachability.ts) between the plan's pods and the places around them: CoreDNS and
 * another kube-system pod, a pod of another namespace, an address in the WAF subnet, the private
 * endpoint subnet and the AKS node subnet (from the plan's subnets), and a public address.
 */

const NAMESPACE_TYPE = "kubernetes:core/v1:Namespace";
const POLICY_TYPE = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const DEPLOYMENT_TYPE = "kubernetes:apps/v1:Deployment";

type Meta = { name: string; namespace?: string; labels?: Record<string, string> };

/** The NetworkPolicy objects as planned. */
export function planPolicies(index: PlanIndex): NetworkPolicyObject[] {
  return index.ofType(POLICY_TYPE).map((s) => s.newState.inputs as unknown as NetworkPolicyObject);
}

/** The fifth address of a subnet (Azure keeps the first four): an address that stands for it. */
function addressIn(cidr: string): string {
  const [base] = cidr.split("/");
  const o = base.split(".").map(Number);
  return [o[0], o[1], o[2], o[3] + 4].join(".");
}

function subnetCidr(index: PlanIndex, suffix: string): string | undefined {
  const s = index
    .ofType("azure-native:network:Subnet")
    .find((x) => String(x.newState.inputs.subnetName).endsWith(suffix));
  return s ? String(s.newState.inputs.addressPrefix) : undefined;
}

/** A public address (Entra's login range) standing for the AI endpoint, Entra and the Internet. */
export const PUBLIC_ADDRESS = "20.190.128.1";

/** The endpoints of the plan: its Deployments' pods, then the places around the namespace. */
export function planEndpoints(index: PlanIndex): Endpoint[] {
  const nsLabels = new Map<string, Record<string, string>>();
  for (const s of index.ofType(NAMESPACE_TYPE)) {
    const m = s.newState.inputs.metadata as Meta;
    nsLabels.set(m.name, { ...(m.labels ?? {}), "kubernetes.io/metadata.name": m.name });
  }
  const system = { "kubernetes.io/metadata.name": "kube-system" };
  const pods: Endpoint[] = index.ofType(DEPLOYMENT_TYPE).map((s) => {
    const i = s.newState.inputs as Inputs & { metadata: Meta };
    const tpl = (i.spec as { template: { metadata: { labels: Record<string, string> } } }).template;
    const namespace = i.metadata.namespace ?? "default";
    return {
      name: i.metadata.name,
      kind: "pod",
      namespace,
      namespaceLabels: nsLabels.get(namespace) ?? { "kubernetes.io/metadata.name": namespace },
      labels: tpl.metadata.labels,
    };
  });
  const around: Endpoint[] = [
    {
      name: "kube-dns",
      kind: "pod",
      namespace: "kube-system",
      namespaceLabels: system,
      labels: { "k8s-app": "kube-dns" },
    },
    {
      name: "kube-system (other pod)",
      kind: "pod",
      namespace: "kube-system",
      namespaceLabels: system,
      labels: { "k8s-app": "metrics-server" },
    },
    {
      name: "another namespace",
      kind: "pod",
      namespace: "default",
      namespaceLabels: { "kubernetes.io/metadata.name": "default" },
      labels: { app: "other" },
    },
  ];
  const subnets: [string, string][] = [
    ["waf subnet", "-appgw"],
    ["private endpoints", "-private-endpoints"],
    ["aks nodes", "-aks"],
  ];
  for (const [name, suffix] of subnets) {
    const cidr = subnetCidr(index, suffix);
    if (cidr) around.push({ name, kind: "ip", ip: addressIn(cidr) });
  }
  around.push({ name: "internet", kind: "ip", ip: PUBLIC_ADDRESS });
  return [...pods, ...around];
}

/** The ports tried: every numeric port a policy names, the usual ones, and one nobody uses. */
export function candidatePorts(policies: NetworkPolicyObject[]): Port[] {
  const key = (p: Port) => `${p.protocol}/${p.port}`;
  const out = new Map<string, Port>();
  const usual = [53, 80, 443, 5432, 7233, 8000, 8080, 9999].map((port) => ({ protocol: "TCP", port }));
  for (const p of [{ protocol: "UDP", port: 53 }, ...usual]) out.set(key(p), p);
  for (const pol of policies)
    for (const rule of [...(pol.spec.ingress ?? []), ...(pol.spec.egress ?? [])])
      for (const p of rule.ports ?? [])
        if (typeof p.port === "number")
          out.set(key({ protocol: p.protocol ?? "TCP", port: p.port }), {
            protocol: p.protocol ?? "TCP",
            port: p.port,
          });
  return [...out.values()].sort((a, b) => byCodePoint(key(a), key(b)));
}

/** The flows the plan's policies let through, in and out of namespace `namespace`. */
export function planFlows(index: PlanIndex, namespace = "engram"): Flow[] {
  const policies = planPolicies(index);
  return reachable(policies, planEndpoints(index), candidatePorts(policies), namespace).sort((a, b) =>
    byCodePoint(flowText(a), flowText(b)),
  );
}

export const networkPathsSection: ReportSection = ({ index }) => {
  if (index.ofType(POLICY_TYPE).length === 0) return undefined;
  const flows = planFlows(index);
  return [
    "## Network paths (AKS)",
    "",
    "Every flow in or out of namespace `engram` that the plan's NetworkPolicies allow, computed with",
    "Kubernetes semantics (a pod is isolated once a policy selects it; a flow needs the source's egress",
    "and the destination's ingress). Everything else is denied. A NetworkPolicy cannot name a host name,",
    "so the AI endpoint and Entra are `internet` (any public address) on 443 only.",
    "",
    table(
      ["from", "to", "port"],
      flows.map((f) => [code(f.from), code(f.to), `${f.protocol}/${f.port}`]),
    ),
  ].join("\n");
};
