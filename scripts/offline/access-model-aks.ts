import { flowText } from "../../lib/network-reachability";
import { PlanIndex } from "./plan-index";
import { placeholderUuid } from "./placeholder-ids";
import { keyVaultObjects } from "./report/aks";
import { planFlows } from "./report/aks-network";
import { Inputs, list, obj } from "./report/format";

/**
 * The AKS part of the access model (scripts/offline/access-model.ts), read from the plan's
 * Kubernetes objects: who reads which Key Vault secret through a SecretProviderClass (the CSI
 * driver reads with the identity whose client id the class names), which Services expose a pod and
 * to whom, and the flows the NetworkPolicies let through (lib/network-reachability.ts, through the
 * report's plan reading in report/aks-network.ts). No Kubernetes object: no line.
 */

const SPC_TYPE = "kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass";
const SERVICE_TYPE = "kubernetes:core/v1:Service";
const DEPLOYMENT_TYPE = "kubernetes:apps/v1:Deployment";
const IDENTITY_TYPE = "azure-native:managedidentity:UserAssignedIdentity";
const INTERNAL_LB = "service.beta.kubernetes.io/azure-load-balancer-internal";
const LB_SUBNET = "service.beta.kubernetes.io/azure-load-balancer-internal-subnet";
const LB_IP = "service.beta.kubernetes.io/azure-load-balancer-ipv4";

/**
 * The plan's managed identities by client id: the client id the offline plan gives each one (its
 * placeholder, scripts/offline/placeholder-azure.ts), to the identity's `service` tag, the name its
 * role assignments carry.
 */
function identitiesByClientId(index: PlanIndex): Map<string, string> {
  const out = new Map<string, string>();
  for (const s of index.ofType(IDENTITY_TYPE))
    out.set(
      placeholderUuid(s.urn, "clientId"),
      String(obj(s.newState.inputs.tags).service ?? index.logicalName(s)),
    );
  return out;
}

/** `<secret> <- <identity> (SecretProviderClass <ns>/<name> on <vault>)` per object of each class. */
export function aksSecretReaders(index: PlanIndex): string[] {
  const byClientId = identitiesByClientId(index);
  const out: string[] = [];
  for (const s of index.ofType(SPC_TYPE)) {
    const i = s.newState.inputs;
    const meta = obj(i.metadata);
    const params = obj(obj(i.spec).parameters);
    const clientId = String(params.clientID ?? "");
    const reader = byClientId.get(clientId) ?? `client id ${clientId || "unset"}`;
    const how = `SecretProviderClass ${String(meta.namespace ?? "default")}/${String(meta.name)} on ${String(params.keyvaultName)}`;
    for (const o of keyVaultObjects(params.objects))
      out.push(`${o.type === "secret" ? "" : `${o.type} `}${o.name} <- ${reader} (${how})`);
  }
  return out;
}

/** Who a Service lets in: the cluster (ClusterIP), the nodes (NodePort), an internal or a public load balancer. */
function serviceFrom(i: Inputs, port: Inputs): string {
  const spec = obj(i.spec);
  const annotations = obj(obj(i.metadata).annotations);
  const type = String(spec.type ?? "ClusterIP");
  if (type === "LoadBalancer") {
    if (annotations[INTERNAL_LB] !== "true") return "internet";
    const ip = annotations[LB_IP] ?? spec.loadBalancerIP;
    const subnet = annotations[LB_SUBNET];
    return `internal load balancer${ip ? ` ${String(ip)}` : ""}${subnet ? ` in ${String(subnet)}` : ""}`;
  }
  if (type === "NodePort") return `aks nodes (node port ${String(port.nodePort ?? "any")})`;
  return type === "ClusterIP" ? "cluster" : type;
}

/**
 * `<from> -> <service>:<port>/<protocol> (Service <ns>/<name>, <type>)` per port of each Service,
 * with a line per allowed source range (`loadBalancerSourceRanges`); then every NetworkPolicy flow
 * in or out of namespace `engram`, `<from> -> <to> <PROTO>/<port> (NetworkPolicy)`.
 */
export function aksNetworkPaths(index: PlanIndex): string[] {
  const out: string[] = [];
  for (const s of index.ofType(SERVICE_TYPE)) {
    const i = s.newState.inputs;
    const meta = obj(i.metadata);
    const spec = obj(i.spec);
    const name = String(meta.name);
    const type = String(spec.type ?? "ClusterIP");
    const publicLb = type === "LoadBalancer" && obj(meta.annotations)[INTERNAL_LB] !== "true";
    const what = `Service ${String(meta.namespace ?? "default")}/${name}, ${publicLb ? "public " : ""}${type}`;
    const ranges = list(spec.loadBalancerSourceRanges).map(String);
    for (const p of list(spec.ports).map(obj)) {
      const to = `${name}:${String(p.port)}/${String(p.protocol ?? "TCP")}`;
      const from = serviceFrom(i, p);
      if (type !== "LoadBalancer" || ranges.length === 0) out.push(`${from} -> ${to} (${what})`);
      else for (const r of ranges) out.push(`${r} via ${from} -> ${to} (${what}, source range)`);
    }
  }
  if (index.ofType(DEPLOYMENT_TYPE).length > 0)
    for (const f of planFlows(index)) out.push(`${flowText(f)} (NetworkPolicy)`);
  return out;
}
