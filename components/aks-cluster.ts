import * as pulumi from "@pulumi/pulumi";
import * as containerservice from "@pulumi/azure-native/containerservice";
import * as monitor from "@pulumi/azure-native/monitor";
import * as types from "@pulumi/azure-native/types";
import { endpointOf, entraKubeconfig } from "../lib/kubeconfig";

/** One node pool's size: its VM SKU and the autoscaler's bounds. */
export interface NodePoolSize {
  vmSize: string;
  minCount: number;
  maxCount: number;
  /** The OS disk (ephemeral, on the VM's local disk: it must fit the SKU's cache or temp disk). */
  osDiskSizeGB: number;
}

export interface AksClusterArgs {
  /** The Azure name (`aks-engram-<env>`); the DNS sub-domain of the API server derives from it. */
  clusterName: string;
  resourceGroupName: pulumi.Input<string>;
  location: pulumi.Input<string>;
  /** The node resource group AKS creates (read-only to everyone but AKS). */
  nodeResourceGroupName: string;
  tenantId: pulumi.Input<string>;
  /** The node subnet (not delegated; its NAT gateway is the cluster's only egress). */
  nodeSubnetId: pulumi.Input<string>;
  /** The user-assigned control-plane identity (its grants must exist before the cluster). */
  controlPlaneIdentityId: pulumi.Input<string>;
  /** The user-assigned kubelet identity (AcrPull on the registry). */
  kubeletIdentity: {
    resourceId: pulumi.Input<string>;
    clientId: pulumi.Input<string>;
    objectId: pulumi.Input<string>;
  };
  /** The program's private DNS zone of the API server (`<sub>.privatelink.<region>.azmk8s.io`). */
  privateDnsZoneId: pulumi.Input<string>;
  /** The Log Analytics workspace: Container Insights and Defender for Containers report there. */
  workspaceId: pulumi.Input<string>;
  /** The Azure name of Container Insights' data collection rule. */
  dataCollectionRuleName: string;
  /** Overlay pod CIDR, service CIDR and the cluster DNS Service's address (lib/aks-network.ts). */
  cidrs: { pod: string; service: string; dnsServiceIp: string };
  /** The availability zones of both pools. @default none (Azure places the nodes) */
  zones?: string[];
  /** The system pool (tainted CriticalAddonsOnly) and the user pool (the workloads). */
  pools: { system: NodePoolSize; user: NodePoolSize };
  /** Resources the cluster waits for (its identity's role assignments). @default [] */
  dependsOn?: pulumi.Resource[];
  tags: Record<string, string>;
}

type Pool = types.input.containerservice.ManagedClusterAgentPoolProfileArgs;

/** A pool with every security property stated (Azure Policy in Deny mode sees only the request). */
function pool(args: AksClusterArgs, name: string, mode: "System" | "User", size: NodePoolSize): Pool {
  return {
    name,
    mode,
    type: "VirtualMachineScaleSets",
    osType: "Linux",
    osSKU: "AzureLinux",
    vmSize: size.vmSize,
    osDiskType: "Ephemeral",
    osDiskSizeGB: size.osDiskSizeGB,
    enableAutoScaling: true,
    count: size.minCount,
    minCount: size.minCount,
    maxCount: size.maxCount,
    ...(args.zones ? { availabilityZones: args.zones } : {}),
    vnetSubnetID: args.nodeSubnetId,
    enableNodePublicIP: false,
    enableEncryptionAtHost: true,
    enableFIPS: false,
    securityProfile: { sshAccess: "Disabled" },
    // Only the system pool runs the add-ons; the workloads never land there.
    ...(mode === "System" ? { nodeTaints: ["CriticalAddonsOnly=true:NoSchedule"] } : {}),
    upgradeSettings: { maxSurge: "33%" },
    tags: args.tags,
  };
}

/**
 * The private AKS cluster of DESIGN.md §11, hardened per Microsoft's AKS security baseline and
 * the Azure Policy built-ins for AKS (docs/azure-policy-baseline.md): private API server without
 * public FQDN in the program's private DNS zone; Entra integration with Azure RBAC and local
 * accounts disabled; OIDC issuer and workload identity; Azure CNI overlay with Cilium (network
 * policy and dataplane); egress only through the subnet's NAT gateway; user-assigned control-plane
 * and kubelet identities; no SSH, no node public IP, encryption at host; a tainted system pool and
 * an autoscaled user pool over zones; Standard tier with auto-upgrade and node-OS channels; the
 * Key Vault Secrets Store CSI driver (rotation on), Azure Policy, Container Insights (managed
 * identity auth) and Defender for Containers to the workspace; image cleaner on.
 *
 * `kubeconfig` is built from the user credentials (never the admin ones) with a kubelogin
 * exec credential (lib/kubeconfig.ts), and is a secret.
 */
export class AksCluster extends pulumi.ComponentResource {
  readonly id: pulumi.Output<string>;
  readonly name: pulumi.Output<string>;
  readonly oidcIssuerUrl: pulumi.Output<string>;
  readonly privateFqdn: pulumi.Output<string>;
  readonly kubeconfig: pulumi.Output<string>;
  readonly cluster: containerservice.ManagedCluster;

  constructor(name: string, args: AksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("engram:runtime:AksCluster", name, {}, opts);
    const cluster = new containerservice.ManagedCluster(
      `${name}-aks`,
      {
        resourceName: args.clusterName,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        nodeResourceGroup: args.nodeResourceGroupName,
        nodeResourceGroupProfile: { restrictionLevel: "ReadOnly" },
        // A custom private DNS zone takes an FQDN sub-domain instead of a DNS prefix.
        fqdnSubdomain: args.clusterName.replace(/_/g, "-"),
        sku: { name: "Base", tier: "Standard" },
        supportPlan: "KubernetesOfficial",
        identity: { type: "UserAssigned", userAssignedIdentities: [args.controlPlaneIdentityId] },
        identityProfile: {
          kubeletidentity: {
            resourceId: args.kubeletIdentity.resourceId,
            clientId: args.kubeletIdentity.clientId,
            objectId: args.kubeletIdentity.objectId,
          },
        },
        enableRBAC: true,
        aadProfile: { managed: true, enableAzureRBAC: true, tenantID: args.tenantId },
        disableLocalAccounts: true,
        apiServerAccessProfile: {
          enablePrivateCluster: true,
          enablePrivateClusterPublicFQDN: false,
          privateDNSZone: args.privateDnsZoneId,
          disableRunCommand: true,
        },
        oidcIssuerProfile: { enabled: true },
        networkProfile: {
          networkPlugin: "azure",
          networkPluginMode: "overlay",
          networkDataplane: "cilium",
          networkPolicy: "cilium",
          podCidr: args.cidrs.pod,
          serviceCidr: args.cidrs.service,
          dnsServiceIP: args.cidrs.dnsServiceIp,
          outboundType: "userAssignedNATGateway",
          loadBalancerSku: "standard",
        },
        agentPoolProfiles: [
          pool(args, "system", "System", args.pools.system),
          pool(args, "user", "User", args.pools.user),
        ],
        autoUpgradeProfile: {
          // The minor version moves only when a change says so (docs/aks.md, "Version and upgrades").
          upgradeChannel: "patch",
          nodeOSUpgradeChannel: "NodeImage",
        },
        securityProfile: {
          workloadIdentity: { enabled: true },
          imageCleaner: { enabled: true, intervalHours: 48 },
          defender: {
            logAnalyticsWorkspaceResourceId: args.workspaceId,
            securityMonitoring: { enabled: true },
          },
        },
        addonProfiles: {
          azureKeyvaultSecretsProvider: {
            enabled: true,
            config: { enableSecretRotation: "true", rotationPollInterval: "2m" },
          },
          azurepolicy: { enabled: true, config: { version: "v2" } },
          omsagent: {
            enabled: true,
            config: { logAnalyticsWorkspaceResourceID: args.workspaceId, useAADAuth: "true" },
          },
        },
        tags: args.tags,
      },
      { parent: this, dependsOn: args.dependsOn ?? [] },
    );

    this.containerInsights(name, args, cluster);

    const credentials = containerservice.listManagedClusterUserCredentialsOutput(
      { resourceGroupName: args.resourceGroupName, resourceName: cluster.name, format: "exec" },
      { parent: this },
    );
    this.kubeconfig = pulumi.secret(
      pulumi
        .all([cluster.name, credentials])
        .apply(([clusterName, c]) => entraKubeconfig(clusterName, endpointOf(c.kubeconfigs[0]?.value ?? ""))),
    );
    this.cluster = cluster;
    this.id = cluster.id;
    this.name = cluster.name;
    this.oidcIssuerUrl = cluster.oidcIssuerProfile.apply((p) => p?.issuerURL ?? "");
    this.privateFqdn = cluster.privateFQDN;
    this.registerOutputs({
      id: this.id,
      name: this.name,
      oidcIssuerUrl: this.oidcIssuerUrl,
      privateFqdn: this.privateFqdn,
      kubeconfig: this.kubeconfig,
    });
  }

  /**
   * Container Insights' data collection rule, associated with the cluster: the containers' logs in
   * the ContainerLogV2 schema (`enableContainerLogV2`), the Kubernetes events and the pod and node
   * inventory, to the workspace. The monitoring add-on sends them with its managed identity
   * (`useAADAuth`), never the workspace key. Streams: Azure's "Logs and Events" preset plus nodes.
   */
  private containerInsights(
    name: string,
    args: AksClusterArgs,
    cluster: containerservice.ManagedCluster,
  ): void {
    const streams = [
      "Microsoft-ContainerLogV2",
      "Microsoft-KubeEvents",
      "Microsoft-KubePodInventory",
      "Microsoft-KubeNodeInventory",
    ];
    const rule = new monitor.DataCollectionRule(
      `${name}-ci-dcr`,
      {
        dataCollectionRuleName: args.dataCollectionRuleName,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        kind: "Linux",
        description: "Container Insights of the AKS cluster (ContainerLogV2, events, inventory)",
        dataSources: {
          extensions: [
            {
              name: "ContainerInsightsExtension",
              extensionName: "ContainerInsights",
              streams,
              extensionSettings: {
                dataCollectionSettings: {
                  interval: "1m",
                  namespaceFilteringMode: "Off",
                  enableContainerLogV2: true,
                },
              },
            },
          ],
        },
        destinations: { logAnalytics: [{ name: "workspace", workspaceResourceId: args.workspaceId }] },
        dataFlows: [{ streams, destinations: ["workspace"] }],
        tags: args.tags,
      },
      { parent: this },
    );
    new monitor.DataCollectionRuleAssociation(
      `${name}-ci-dcra`,
      {
        associationName: "ContainerInsightsExtension",
        resourceUri: cluster.id,
        dataCollectionRuleId: rule.id,
        description: "Container Insights of the AKS cluster",
      },
      { parent: this },
    );
  }
}
