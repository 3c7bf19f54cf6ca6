import * as types from "@pulumi/azure-native/types";
import type { SubnetKey as CarvedSubnetKey } from "../lib/cidr";

/**
 * The subnets the network component can create: the carved ones, and `aks`, the AKS node subnet,
 * which takes the aca slot (the first /23): an environment runs one runtime, never both.
 */
export type SubnetKey = CarvedSubnetKey | "aks";

/** What the rules depend on (components/network.ts NetworkArgs documents each). */
export interface SubnetRulesArgs {
  runtime?: "aca" | "aks";
  appGateway?: boolean;
  acaPublicIngress?: boolean;
  aksBackendPort?: number;
  aksPodCidr?: string;
  apiServerClients?: string;
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
  destination = "*",
): Rule => ({
  name,
  description,
  priority,
  direction: "Inbound",
  access: "Allow",
  protocol,
  sourceAddressPrefix: source,
  sourcePortRange: "*",
  destinationAddressPrefix: destination,
  destinationPortRange: ports,
});

/** The inbound rules of every subnet the VNet may have, from its carved prefixes. */
export function subnetRules(
  args: SubnetRulesArgs,
  prefixes: Record<SubnetKey, string>,
): Record<SubnetKey, Rule[]> {
  const aks = args.runtime === "aks";
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
    aks: [
      ...(args.appGateway
        ? [
            allowIn(
              "allow-appgw-backend",
              100,
              prefixes.appgw,
              String(args.aksBackendPort ?? 80),
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
      ...(args.aksPodCidr
        ? [
            allowIn(
              "allow-pods",
              120,
              args.aksPodCidr,
              "*",
              "Pod-to-pod and pod-to-node traffic of the CNI overlay",
              "*",
            ),
          ]
        : []),
      allowIn("allow-azure-lb", 130, "AzureLoadBalancer", "*", "Load balancer health probes", "*"),
      ...(args.apiServerClients
        ? [
            allowIn(
              "allow-cicd-apiserver",
              140,
              args.apiServerClients,
              "443",
              "The CI/CD hub's runners to the private API server endpoint",
            ),
          ]
        : []),
      DENY_ALL_INBOUND,
    ],
    privateEndpoints: aks
      ? [
          allowIn("allow-aks-https", 100, prefixes.aks, "443", "AKS to Key Vault and Blob private endpoints"),
          allowIn("allow-aks-postgres", 110, prefixes.aks, "5432", "AKS to Postgres private endpoints"),
          DENY_ALL_INBOUND,
        ]
      : [
          allowIn(
            "allow-aca-https",
            100,
            prefixes.aca,
            "443",
            "Container Apps to Key Vault and Blob private endpoints",
          ),
          allowIn(
            "allow-aca-postgres",
            110,
            prefixes.aca,
            "5432",
            "Container Apps to Postgres private endpoints",
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
