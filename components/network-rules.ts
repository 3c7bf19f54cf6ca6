import * as types from "@pulumi/azure-native/types";
import type { SubnetKey as CarvedSubnetKey } from "../lib/cidr";

/**
 * The subnets the network component can create: the carved ones, and `aks`, the AKS node subnet,
 * which takes the aca slot (the first /23): an environment runs one runtime, never both.
 */
export type SubnetKey = CarvedSubnetKey | "aks";

/** What the VNet of runtime aks needs to know of the cluster. */
export interface AksNetworkArgs {
  /** The port of the backend's internal load balancer, admitted from the appgw subnet only. */
  backendPort: number;
  /**
   * The overlay pod CIDR: Azure CNI overlay needs node-to-pod and pod-to-pod traffic admitted by
   * the node subnet's NSG.
   */
  podCidr: string;
  /**
   * The CI/CD hub's address space; its runners reach the private API server (whose private
   * endpoint sits in the node subnet) on 443. @default none
   */
  apiServerClients?: string;
}

/** What the rules depend on (components/network.ts NetworkArgs documents each). */
export interface SubnetRulesArgs {
  appGateway?: boolean;
  acaPublicIngress?: boolean;
  aks?: AksNetworkArgs;
}

/**
 * The NSG rules of each subnet (components/network.ts says what each subnet admits and why):
 * every NSG ends in an explicit deny of all inbound traffic; outbound keeps Azure's defaults.
 */

export type Rule = types.input.network.SecurityRuleArgs;

const DENY_ALL_INBOUND: Rule = {
  name: "deny-all-inbound",
  description: "Default deny: anything not allowed above (DESIGN.md §6)",
  priority: 4096,
  direction: "Inbound",
  access: "Deny",
  protocol: "*",
  sourceAddressPrefix: "*",
  sourcePortRange: "*",
  destinationAddressPrefix: "*",
  destinationPortRange: "*",
};

const allowIn = (
  name: string,
  priority: number,
  source: string,
  ports: string,
  description: string,
  protocol: Rule["protocol"] = "Tcp",
): Rule => ({
  name,
  description,
  priority,
  direction: "Inbound",
  access: "Allow",
  protocol,
  sourceAddressPrefix: source,
  sourcePortRange: "*",
  destinationAddressPrefix: "*",
  destinationPortRange: ports,
});

/** The inbound rules of the AKS node subnet (runtime aks). */
function aksRules(aks: AksNetworkArgs, appGateway: boolean, prefixes: Record<SubnetKey, string>): Rule[] {
  return [
    ...(appGateway
      ? [
          allowIn(
            "allow-appgw-backend",
            100,
            prefixes.appgw,
            String(aks.backendPort),
            "The WAF to the backend's internal load balancer",
          ),
        ]
      : []),
    allowIn(
      "allow-vnet-nodes",
      110,
      prefixes.aks,
      "*",
      "Nodes and pods (overlay, SNAT to the node) of the cluster among themselves",
      "*",
    ),
    allowIn(
      "allow-pods",
      120,
      aks.podCidr,
      "*",
      "Pod-to-pod and pod-to-node traffic of the CNI overlay",
      "*",
    ),
    allowIn("allow-azure-lb", 130, "AzureLoadBalancer", "*", "Load balancer health probes", "*"),
    ...(aks.apiServerClients
      ? [
          allowIn(
            "allow-cicd-apiserver",
            140,
            aks.apiServerClients,
            "443",
            "The CI/CD hub's runners to the private API server endpoint",
          ),
        ]
      : []),
    DENY_ALL_INBOUND,
  ];
}

/**
 * The inbound rules of every subnet the VNet may have, from its carved prefixes (the aks subnet's
 * only with runtime aks).
 */
export function subnetRules(
  args: SubnetRulesArgs,
  prefixes: Record<SubnetKey, string>,
): Record<SubnetKey, Rule[]> {
  // The subnet the workloads run in, the only one the private endpoints admit.
  const runtime = args.aks
    ? { key: "aks", who: "AKS", prefix: prefixes.aks }
    : { key: "aca", who: "Container Apps", prefix: prefixes.aca };
  return {
    aca: [
      allowIn(
        "allow-vnet-inbound",
        100,
        "VirtualNetwork",
        "*",
        "Traffic between apps and from the VNet",
        "*",
      ),
      allowIn("allow-azure-lb", 110, "AzureLoadBalancer", "*", "Platform health probes", "*"),
      ...(args.acaPublicIngress
        ? [allowIn("allow-https-internet", 120, "Internet", "443", "API ingress published by Container Apps")]
        : []),
      DENY_ALL_INBOUND,
    ],
    aks: args.aks ? aksRules(args.aks, args.appGateway ?? false, prefixes) : [],
    privateEndpoints: [
      allowIn(
        `allow-${runtime.key}-https`,
        100,
        runtime.prefix,
        "443",
        `${runtime.who} to Key Vault and Blob private endpoints`,
      ),
      allowIn(
        `allow-${runtime.key}-postgres`,
        110,
        runtime.prefix,
        "5432",
        `${runtime.who} to Postgres private endpoints`,
      ),
      DENY_ALL_INBOUND,
    ],
    appgw: [
      allowIn(
        "allow-gateway-manager",
        100,
        "GatewayManager",
        "65200-65535",
        "Application Gateway v2 control plane",
      ),
      allowIn("allow-azure-lb", 110, "AzureLoadBalancer", "*", "Application Gateway health probes", "*"),
      allowIn("allow-https-internet", 120, "Internet", "443", "The HTTPS listener (the API's only entry)"),
      allowIn("allow-http-internet", 130, "Internet", "80", "HTTP, redirected permanently to HTTPS"),
      DENY_ALL_INBOUND,
    ],
  };
}
