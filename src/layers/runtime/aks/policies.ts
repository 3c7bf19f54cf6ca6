import type * as k8s from "@pulumi/kubernetes/types/input";
import { NetworkPolicySpec } from "../../../../components/network-policies";
import { PRIVATE_RANGES } from "../../../../lib/cidr";
import { AppName } from "../plans";
import { APP_LABEL, appSelector } from "./names";
import { AllowedPath, ExternalPeer, isApp, Peer } from "./paths";

/** RFC 1918: what "the Internet" excludes, so the 443 rule never opens a path inside the VNet. */

/** The address ranges the external peers stand for, from the network layer's subnets. */
export interface PeerCidrs {
  waf: string;
  privateEndpoints: string;
}

function peerOf(p: Peer, cidrs: PeerCidrs): k8s.networking.v1.NetworkPolicyPeer {
  if (isApp(p)) return { podSelector: appSelector(p) };
  const external: Record<ExternalPeer, k8s.networking.v1.NetworkPolicyPeer> = {
    "kube-dns": {
      namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
      podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
    },
    waf: { ipBlock: { cidr: cidrs.waf } },
    "private-endpoints": { ipBlock: { cidr: cidrs.privateEndpoints } },
    // RFC 1918 excluded, so the 443 rule never opens a path inside the VNet.
    internet: { ipBlock: { cidr: "0.0.0.0/0", except: [...PRIVATE_RANGES] } },
  };
  return external[p];
}

/** The pods of several apps (one label, `In`). */
function appsSelector(apps: AppName[]): k8s.meta.v1.LabelSelector {
  return apps.length === 1
    ? appSelector(apps[0])
    : { matchExpressions: [{ key: APP_LABEL, operator: "In", values: apps }] };
}

/**
 * Each allowed path as named policies: `<path>-egress` on the sources that are apps (to the
 * destination, on the path's ports) and `<path>-ingress` on the destination when it is an app
 * (from the sources). A flow between two apps needs both, as Kubernetes evaluates it.
 */
export function policySpecs(
  paths: readonly AllowedPath[],
  cidrs: PeerCidrs,
): Record<string, NetworkPolicySpec> {
  const out: Record<string, NetworkPolicySpec> = {};
  for (const path of paths) {
    const ports = path.ports.map((p) => ({ protocol: p.protocol, port: p.port }));
    const sources = path.from.filter(isApp);
    if (sources.length > 0)
      out[`${path.name}-egress`] = {
        why: path.why,
        podSelector: appsSelector(sources),
        egress: [{ to: [peerOf(path.to, cidrs)], ports }],
      };
    if (isApp(path.to))
      out[`${path.name}-ingress`] = {
        why: path.why,
        podSelector: appSelector(path.to),
        ingress: [{ from: path.from.map((f) => peerOf(f, cidrs)), ports }],
      };
  }
  return out;
}
