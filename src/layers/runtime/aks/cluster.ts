import * as pulumi from "@pulumi/pulumi";
import { AksCluster, NodePoolSize } from "../../../../components/aks-cluster";
import { PrivateDnsZone } from "../../../../components/private-dns-zone";
import { ServiceIdentity } from "../../../../components/service-identity";
import { AKS_DNS_SERVICE_IP, AKS_POD_CIDR, AKS_SERVICE_CIDR } from "../../../../lib/aks-network";
import { Context, Platform } from "../../../context";
import { applyAccess, Grantees } from "../../grants";
import { NetworkLayer } from "../../network";

/** What the workloads, the WAF and the alerts layer need of the cluster. */
export interface AksClusterLayer {
  /** The ManagedCluster resource (parent/dependsOn for what runs on it). */
  cluster: pulumi.Resource;
  clusterId: pulumi.Output<string>;
  clusterName: pulumi.Output<string>;
  /** The cluster's OIDC issuer URL (the federated credentials' issuer). */
  oidcIssuerUrl: pulumi.Output<string>;
  /**
   * A kubeconfig for the Kubernetes provider: the cluster's private server and CA with an Entra
   * exec credential (kubelogin), never an admin or local account. A secret Output.
   */
  kubeconfig: pulumi.Output<string>;
}

export interface ClusterDeps {
  network: NetworkLayer;
  workspaceId: pulumi.Input<string>;
  /** The control plane's and the kubelet's identities (identities layer). */
  identities: { controlPlane: ServiceIdentity; kubelet: ServiceIdentity };
}

/**
 * The node pools (docs/aks.md): D4ds_v5 (4 vCPU, 16 GiB, 150 GiB local temp disk that holds the
 * ephemeral OS disk; encryption at host supported). Three system nodes, one per zone, for the
 * add-ons; the user pool starts at one node per zone and grows to nine.
 */
export const AKS_POOLS: { system: NodePoolSize; user: NodePoolSize } = {
  system: { vmSize: "Standard_D4ds_v5", minCount: 3, maxCount: 5, osDiskSizeGB: 128 },
  user: { vmSize: "Standard_D4ds_v5", minCount: 3, maxCount: 9, osDiskSizeGB: 128 },
};

/** The API server's private DNS zone: a sub-zone of AKS's `privatelink.<region>.azmk8s.io`. */
export const aksPrivateDnsZoneName = (ctx: Context, location: string) =>
  `engram-${ctx.cfg.environment}.privatelink.${location}.azmk8s.io`;

/** The private AKS cluster of DESIGN.md §11. */
export function buildCluster(ctx: Context, platform: Platform, deps: ClusterDeps): AksClusterLayer {
  const subnet = deps.network.subnets.aks;
  if (!subnet) throw new Error("the AKS cluster needs the aks subnet (runtime aks)");
  const { controlPlane, kubelet } = deps.identities;

  const hub = ctx.cfg.cicdHub;
  const zone = new PrivateDnsZone("aks-dns", {
    zoneName: aksPrivateDnsZoneName(ctx, platform.location),
    resourceGroupName: platform.resourceGroupName,
    links: {
      vnet: { vnetId: deps.network.vnetId, linkName: ctx.name("privateDnsZoneLink", "aks") },
      ...(hub
        ? { "cicd-hub": { vnetId: hub.vnetId, linkName: ctx.name("privateDnsZoneLink", "aks-cicd-hub") } }
        : {}),
    },
    tags: ctx.tags,
  });

  // The rows of src/access.ts on the cluster's scopes; the control plane's must exist before the
  // cluster (it writes the zone's record, joins the subnet and assigns the kubelet identity).
  const grantees: Grantees = {
    identities: { "aks-control-plane": controlPlane, "aks-kubelet": kubelet },
    groups: ctx.cfg.groups,
  };
  const rows = (
    on: Parameters<typeof applyAccess>[2],
    scope: { id: pulumi.Input<string>; label: string },
    parent: pulumi.Resource,
  ) => Object.values(applyAccess(ctx, platform, on, scope, grantees, () => ({ parent }))).flat();
  const before = [
    ...rows("aks-dns-zone", { id: zone.id, label: "aks-dns-zone" }, zone),
    ...rows("aks-subnet", { id: subnet.id, label: "snet-aks" }, controlPlane),
    ...rows("aks-kubelet-identity", { id: kubelet.id, label: "id-aks-kubelet" }, kubelet),
    ...(ctx.cfg.registry?.acrId !== undefined
      ? rows("acr", { id: ctx.cfg.registry.acrId, label: "acr" }, kubelet)
      : []),
  ];

  const aks = new AksCluster("aks", {
    clusterName: ctx.name("managedCluster"),
    resourceGroupName: platform.resourceGroupName,
    location: platform.location,
    nodeResourceGroupName: ctx.name("resourceGroup", "aks-nodes"),
    tenantId: platform.tenantId,
    nodeSubnetId: subnet.id,
    controlPlaneIdentityId: controlPlane.id,
    kubeletIdentity: { resourceId: kubelet.id, clientId: kubelet.clientId, objectId: kubelet.principalId },
    privateDnsZoneId: zone.id,
    workspaceId: deps.workspaceId,
    dataCollectionRuleName: ctx.name("dataCollectionRule", "aks"),
    cidrs: { pod: AKS_POD_CIDR, service: AKS_SERVICE_CIDR, dnsServiceIp: AKS_DNS_SERVICE_IP },
    ...(ctx.cfg.decisions.availability.value ? { zones: ["1", "2", "3"] } : {}),
    pools: AKS_POOLS,
    dependsOn: before,
    tags: ctx.tags,
  });
  // groups.sre: read-only inside the cluster, and the Entra kubeconfig to get there.
  rows("aks", { id: aks.id, label: "aks" }, aks);

  return {
    cluster: aks.cluster,
    clusterId: aks.id,
    clusterName: aks.name,
    oidcIssuerUrl: aks.oidcIssuerUrl,
    kubeconfig: aks.kubeconfig,
  };
}
