import { ipToNumber } from "./cidr";

/**
 * Which flows a set of Kubernetes NetworkPolicy objects lets through, computed the way the API
 * defines it (networking.k8s.io/v1): a pod is isolated in a direction once any policy of its
 * namespace selects it with that policy type; an isolated pod admits only what one of those
 * policies' rules allows, and a flow needs both the source's egress and the destination's ingress.
 * Pure: it reads policy objects as plain data (as they appear in a plan's inputs) and endpoints
 * described by labels or by an IP address.
 */

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export interface PolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}

export interface PolicyPort {
  /** @default "TCP" */
  protocol?: string;
  /** A number or a named container port; absent: every port of the protocol. */
  port?: number | string;
  endPort?: number;
}

export interface PolicyRule {
  from?: PolicyPeer[];
  to?: PolicyPeer[];
  ports?: PolicyPort[];
}

export interface NetworkPolicyObject {
  metadata?: { name?: string; namespace?: string };
  spec: {
    podSelector: LabelSelector;
    policyTypes?: string[];
    ingress?: PolicyRule[];
    egress?: PolicyRule[];
  };
}

/** Something traffic flows from or to: a pod (by its labels) or an address outside the cluster. */
export type Endpoint =
  | {
      name: string;
      kind: "pod";
      namespace: string;
      namespaceLabels: Record<string, string>;
      labels: Record<string, string>;
      /** Named container ports, for rules that name a port. @default {} */
      namedPorts?: Record<string, { protocol: string; port: number }>;
    }
  | { name: string; kind: "ip"; ip: string };

export interface Port {
  protocol: string;
  port: number;
}

export interface Flow extends Port {
  from: string;
  to: string;
}

/** Whether labels satisfy a selector; an empty selector matches everything. */
export function selectorMatches(sel: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!sel) return true;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const inValues = has && (e.values ?? []).includes(labels[e.key]);
    const ok =
      e.operator === "In"
        ? inValues
        : e.operator === "NotIn"
          ? !inValues
          : e.operator === "Exists"
            ? has
            : e.operator === "DoesNotExist"
              ? !has
              : false;
    if (!ok) return false;
  }
  return true;
}

/** Whether an IPv4 address lies in a CIDR. */
export function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split("/");
  const size = 2 ** (32 - Number(bits ?? "32"));
  return Math.floor(ipToNumber(ip) / size) === Math.floor(ipToNumber(base) / size);
}

/**
 * Whether a peer of a rule of a policy in `namespace` matches an endpoint. Selectors match pods
 * only (a podSelector alone: pods of the policy's namespace); an ipBlock matches addresses outside
 * the cluster only (the API leaves pod IPs in an ipBlock to the implementation, so no rule here
 * relies on it).
 */
export function peerMatches(peer: PolicyPeer, namespace: string, ep: Endpoint): boolean {
  if (peer.ipBlock) {
    if (ep.kind !== "ip") return false;
    const b = peer.ipBlock;
    return inCidr(ep.ip, b.cidr) && !(b.except ?? []).some((x) => inCidr(ep.ip, x));
  }
  if (ep.kind !== "pod" || (!peer.podSelector && !peer.namespaceSelector)) return false;
  const nsOk = peer.namespaceSelector
    ? selectorMatches(peer.namespaceSelector, ep.namespaceLabels)
    : ep.namespace === namespace;
  return nsOk && selectorMatches(peer.podSelector, ep.labels);
}

/** Whether a rule's port list admits a port on `target` (named ports resolve on the target pod). */
export function portMatches(ports: PolicyPort[] | undefined, p: Port, target: Endpoint): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some((r) => {
    if ((r.protocol ?? "TCP") !== p.protocol) return false;
    if (r.port === undefined) return true;
    if (typeof r.port === "string") {
      const named = target.kind === "pod" ? target.namedPorts?.[r.port] : undefined;
      return named !== undefined && named.port === p.port && named.protocol === p.protocol;
    }
    return r.endPort !== undefined ? p.port >= r.port && p.port <= r.endPort : p.port === r.port;
  });
}

type Direction = "Ingress" | "Egress";

/** The API's default: Ingress always, Egress when the policy has egress rules. */
export function policyTypesOf(p: NetworkPolicyObject): Direction[] {
  if (p.spec.policyTypes) return p.spec.policyTypes as Direction[];
  return p.spec.egress !== undefined ? ["Ingress", "Egress"] : ["Ingress"];
}

const namespaceOf = (p: NetworkPolicyObject): string => p.metadata?.namespace ?? "default";

/** The policies that select a pod in a direction (none: the pod is not isolated that way). */
export function selecting(
  policies: NetworkPolicyObject[],
  ep: Endpoint,
  dir: Direction,
): NetworkPolicyObject[] {
  if (ep.kind !== "pod") return [];
  return policies.filter(
    (p) =>
      namespaceOf(p) === ep.namespace &&
      policyTypesOf(p).includes(dir) &&
      selectorMatches(p.spec.podSelector, ep.labels),
  );
}

/**
 * Whether `self` admits traffic with `other` in a direction: always for an address outside the
 * cluster or a pod no policy isolates that way; otherwise some rule of a selecting policy must
 * match the other side and the port (resolved on the destination).
 */
export function admits(
  policies: NetworkPolicyObject[],
  self: Endpoint,
  other: Endpoint,
  dir: Direction,
  p: Port,
): boolean {
  const selected = selecting(policies, self, dir);
  if (selected.length === 0) return true;
  const destination = dir === "Ingress" ? self : other;
  return selected.some((pol) =>
    (dir === "Ingress" ? (pol.spec.ingress ?? []) : (pol.spec.egress ?? [])).some((rule) => {
      const peers = dir === "Ingress" ? rule.from : rule.to;
      const peerOk =
        !peers || peers.length === 0 || peers.some((x) => peerMatches(x, namespaceOf(pol), other));
      return peerOk && portMatches(rule.ports, p, destination);
    }),
  );
}

/** Whether a flow from `src` to `dst` on a port gets through: src's egress and dst's ingress. */
export function flowAllowed(policies: NetworkPolicyObject[], src: Endpoint, dst: Endpoint, p: Port): boolean {
  return admits(policies, src, dst, "Egress", p) && admits(policies, dst, src, "Ingress", p);
}

/**
 * Every (source, destination, port) that gets through, among the endpoints and candidate ports,
 * where the source or the destination is a pod of `namespace` (flows between the other endpoints
 * are not these policies' business). Sorted, as `from -> to PROTO/port`.
 */
export function reachable(
  policies: NetworkPolicyObject[],
  endpoints: Endpoint[],
  ports: Port[],
  namespace: string,
): Flow[] {
  const inScope = (e: Endpoint) => e.kind === "pod" && e.namespace === namespace;
  const flows: Flow[] = [];
  for (const src of endpoints)
    for (const dst of endpoints) {
      if (src === dst || !(inScope(src) || inScope(dst))) continue;
      for (const p of ports)
        if (flowAllowed(policies, src, dst, p)) flows.push({ from: src.name, to: dst.name, ...p });
    }
  return flows;
}

export const flowText = (f: Flow): string => `${f.from} -> ${f.to} ${f.protocol}/${f.port}`;
