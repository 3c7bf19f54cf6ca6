import { AKS_RANGES } from "../../lib/aks-network";
import { cidrsOverlap } from "../../lib/cidr";
import { decide } from "../matrix";
import type { Overrides, Working } from "./checks";
import { missing, notAllowed } from "./messages";
import { Parsed } from "./schema";

/**
 * The network rules of runtime aks (DESIGN.md §11): the API server is private, so the deploy
 * job needs the CI/CD hub; the hub, the VNet and the cluster's overlay ranges never overlap
 * (peering refuses overlapping address spaces, and a pod or Service address inside a VNet range
 * would shadow it).
 */
export function checkAksNetwork(w: Working, parsed: Parsed, overrides: Overrides): void {
  const { env, problems } = w;
  const hub = parsed.cicdHub as { vnetId: string; addressSpace: string } | undefined;
  const addressSpace = (parsed.network as { addressSpace: string } | undefined)?.addressSpace;
  if (hub && addressSpace !== undefined && cidrsOverlap(hub.addressSpace, addressSpace))
    problems.push(
      notAllowed(
        "cicdHub.addressSpace",
        hub.addressSpace,
        env,
        `it overlaps the VNet address space ${addressSpace}; peered VNets need disjoint address spaces`,
      ),
    );
  if (decide(env, overrides).runtime.value !== "aks") return;
  if (w.values.cicdHub === undefined)
    problems.push(
      missing(
        "cicdHub",
        env,
        "with runtime aks the API server is private (no public FQDN), reachable only from inside the network, so the deploy job runs on the CI/CD hub's runners: its VNet is peered and linked to the cluster's private DNS zone (DESIGN.md §11)",
      ),
    );
  for (const r of AKS_RANGES) {
    if (addressSpace !== undefined && cidrsOverlap(addressSpace, r.cidr))
      problems.push(
        notAllowed(
          "network.addressSpace",
          addressSpace,
          env,
          `it overlaps ${r.name} ${r.cidr}; with runtime aks, pod and Service addresses live outside the VNet (docs/aks.md)`,
        ),
      );
    if (hub && cidrsOverlap(hub.addressSpace, r.cidr))
      problems.push(
        notAllowed(
          "cicdHub.addressSpace",
          hub.addressSpace,
          env,
          `it overlaps ${r.name} ${r.cidr}; the runners could not reach addresses the cluster also uses (docs/aks.md)`,
        ),
      );
  }
}
