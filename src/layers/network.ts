import * as pulumi from "@pulumi/pulumi";
import { Network, SubnetOutputs } from "../../components/network";
import { VnetPeering } from "../../components/vnet-peering";
import { AKS_POD_CIDR } from "../../lib/aks-network";
import { Context, Platform } from "../context";

/** The port of the backend's internal load balancer on AKS, the only one the WAF reaches. */
export const AKS_BACKEND_PORT = 80;

/**
 * The network layer (DESIGN.md §6): one VNet per environment, subnets carved deterministically
 * from `engram:network.addressSpace`, an NSG on every subnet.
 */

export interface SubnetInfo {
  id: pulumi.Output<string>;
  name: string;
  /** The CIDR carved for it, e.g. 10.20.0.0/23. */
  addressPrefix: string;
}

export interface NetworkLayer {
  vnetId: pulumi.Output<string>;
  /** The static public IP the apps' outbound traffic leaves from (NAT gateway on the aca or aks subnet). */
  egressIp: pulumi.Output<string>;
  vnetName: pulumi.Output<string>;
  subnets: {
    /** /23 delegated to Microsoft.App/environments (the Container Apps environment; runtime aca). */
    aca?: SubnetInfo;
    /** /23 of the AKS nodes, in the aca slot, not delegated, behind the NAT gateway (runtime aks). */
    aks?: SubnetInfo;
    /** /24 for private endpoints (Key Vault, Storage, Postgres). */
    privateEndpoints: SubnetInfo;
    /** /24 for the Application Gateway; only when the WAF is on. */
    appgw?: SubnetInfo;
  };
}

/**
 * Builds the VNet of the environment. The aca subnet takes Internet traffic only when Container
 * Apps publishes the API itself (no WAF); with private endpoints off (dev/test) it gets the Key
 * Vault and Storage service endpoints their firewalls need to admit it. With runtime aks the aks
 * node subnet takes the aca slot (docs/aks.md), and the CI/CD hub, when configured, is peered both
 * ways so its runners reach the private API server.
 */
export function buildNetwork(ctx: Context, platform: Platform): NetworkLayer {
  const waf = ctx.cfg.decisions.waf.value;
  const aks = ctx.cfg.decisions.runtime.value === "aks";
  const names = (qualifier: string) => ({
    subnet: ctx.name("subnet", qualifier),
    nsg: ctx.name("networkSecurityGroup", qualifier),
  });
  const net = new Network("network", {
    resourceGroupName: platform.resourceGroupName,
    location: platform.location,
    addressSpace: ctx.cfg.network.addressSpace,
    vnetName: ctx.name("virtualNetwork"),
    names: {
      aca: names("aca"),
      aks: names("aks"),
      privateEndpoints: names("private-endpoints"),
      appgw: names("appgw"),
    },
    appGateway: waf,
    ...(aks
      ? {
          aks: {
            backendPort: AKS_BACKEND_PORT,
            podCidr: AKS_POD_CIDR,
            apiServerClients: ctx.cfg.cicdHub?.addressSpace,
          },
        }
      : {}),
    acaPublicIngress: !waf,
    acaServiceEndpoints: ctx.cfg.decisions.privateEndpoints.value
      ? []
      : ["Microsoft.KeyVault", "Microsoft.Storage"],
    ddosProtectionPlanId: ctx.cfg.ddosProtectionPlanId,
    egress: {
      natGatewayName: ctx.name("natGateway"),
      publicIpName: ctx.name("publicIp", "egress"),
      // The availability row: the NAT gateway in zone 1 (zonal by design), its address zone-redundant.
      ...(ctx.cfg.decisions.availability.value ? { zone: "1" } : {}),
    },
    tags: ctx.tags,
  });
  // The CI/CD hub (runtime aks, or whenever configured): peered both ways, so its runners reach
  // the private API server (DESIGN.md §11).
  const hub = ctx.cfg.cicdHub;
  if (hub)
    new VnetPeering(
      "cicd-hub",
      {
        local: { resourceGroupName: platform.resourceGroupName, vnetName: net.vnetName, vnetId: net.vnetId },
        remoteVnetId: hub.vnetId,
        names: {
          local: ctx.name("virtualNetworkPeering", "to-cicd-hub"),
          remote: ctx.name("virtualNetworkPeering", "from-cicd-hub"),
        },
      },
      { parent: net },
    );
  const info = (s: SubnetOutputs | undefined): SubnetInfo | undefined =>
    s && { id: s.id, name: s.name, addressPrefix: s.addressPrefix };
  return {
    vnetId: net.vnetId,
    egressIp: net.egressIp,
    vnetName: net.vnetName,
    subnets: {
      ...(net.subnets.aca ? { aca: info(net.subnets.aca) } : {}),
      ...(net.subnets.aks ? { aks: info(net.subnets.aks) } : {}),
      privateEndpoints: info(net.subnets.privateEndpoints) as SubnetInfo,
      ...(net.subnets.appgw ? { appgw: info(net.subnets.appgw) } : {}),
    },
  };
}
