import * as pulumi from "@pulumi/pulumi";
import { NetworkPolicy } from "@pulumi/kubernetes/networking/v1";
import type * as k8s from "@pulumi/kubernetes/types/input";

/** One allowed path as a NetworkPolicy's selector and rules (plain data, reviewable in the plan). */
export interface NetworkPolicySpec {
  /** Why the path exists; set as the policy's `engram.io/why` annotation. */
  why: string;
  podSelector: k8s.meta.v1.LabelSelector;
  /** Ingress rules (the policy then isolates the selected pods for ingress). @default none */
  ingress?: k8s.networking.v1.NetworkPolicyIngressRule[];
  /** Egress rules (the policy then isolates the selected pods for egress). @default none */
  egress?: k8s.networking.v1.NetworkPolicyEgressRule[];
}

export interface NetworkPoliciesArgs {
  namespace: string;
  /** The allowed paths, by policy name; every other flow in the namespace is denied. */
  policies: Record<string, NetworkPolicySpec>;
  labels: Record<string, string>;
}

/**
 * Default deny for a namespace (every pod isolated for ingress and egress), then one named policy
 * per allowed path (CONVENTIONS.md, Kubernetes): what may flow is exactly the union of the rules
 * below. The children take the caller's Kubernetes provider through the component.
 */
export class NetworkPolicies extends pulumi.ComponentResource {
  constructor(name: string, args: NetworkPoliciesArgs, opts: pulumi.ComponentResourceOptions) {
    super("engram:aks:NetworkPolicies", name, {}, opts);
    const meta = (n: string, why: string) => ({
      name: n,
      namespace: args.namespace,
      labels: args.labels,
      annotations: { "engram.io/why": why },
    });
    new NetworkPolicy(
      `${name}-default-deny`,
      {
        metadata: meta("default-deny", "deny all ingress and egress unless a named policy allows it"),
        spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
      },
      { parent: this },
    );
    for (const [n, p] of Object.entries(args.policies))
      new NetworkPolicy(
        `${name}-${n}`,
        {
          metadata: meta(n, p.why),
          spec: {
            podSelector: p.podSelector,
            policyTypes: [...(p.ingress ? ["Ingress"] : []), ...(p.egress ? ["Egress"] : [])],
            ...(p.ingress ? { ingress: p.ingress } : {}),
            ...(p.egress ? { egress: p.egress } : {}),
          },
        },
        { parent: this },
      );
    this.registerOutputs({});
  }
}
