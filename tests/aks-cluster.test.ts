import { PlanIndex } from "../scripts/offline/plan-index";
import { placeholderUuid } from "../scripts/offline/placeholders";
import { assignments, idOf, inputs, Json, T } from "./helpers/data";
import { planOk } from "./helpers/plan";
import { AKS_CHANGE } from "./helpers/variants";

/**
 * The private AKS cluster of prod (and staging rehearsing it), DESIGN.md §11 and issue #16, on the
 * AKS variant plans: every property the issue and the AKS security baseline ask for, written out
 * here, the identities and their exact role assignments, and Container Insights.
 */

const MC = "azure-native:containerservice:ManagedCluster";
const SUB = "/subscriptions/00000000-0000-0000-0000-000000000000";
const TENANT = "11111111-1111-1111-1111-111111111111";
const ACR =
  "/subscriptions/5f2c3b1a-8d4e-4c7a-9b6f-0e1d2c3b4a59/resourceGroups/rg-engram-shared/providers/Microsoft.ContainerRegistry/registries/crengramshared";
/** groups.sre of each stack file. */
const SRE = { prod: "6b1a08fd-fde8-470c-80f2-6d8037c6715d", staging: "d3aed7f9-261d-4326-8533-bc9ccb479e5b" };
/** Azure's built-in role ids, written out (not read from lib/roles.ts). */
const ROLE = {
  privateDnsZoneContributor: "b12aa53e-6015-4669-85d0-8515ebb3ae7f",
  networkContributor: "4d97b98b-1d4f-4787-a291-c67834d212e7",
  managedIdentityOperator: "f1a07417-d97a-45cb-824c-7a7467783830",
  acrPull: "7f951dda-4ed3-4680-a7ca-43fe172d538d",
  aksRbacReader: "7f6c6a51-bcf8-42ba-9220-52d62157d7db",
  aksClusterUser: "4abbcc35-e782-43d8-92c5-2d3f1bd2253f",
} as const;

type Env = "prod" | "staging";
const ENVS: Env[] = ["prod", "staging"];

const rg = (env: Env) => `${SUB}/resourceGroups/rg-engram-${env}`;
const aks = async (env: Env) => {
  const { index } = await planOk(env, AKS_CHANGE[env]);
  return { index, mc: inputs(index.one(MC)) as Json };
};
const identity = (index: PlanIndex, name: string) => index.one(T.identity, `id-${name}-mi`);

describe.each(ENVS)("the AKS cluster of %s", (env) => {
  it("has a private API server without public FQDN, in the program's own private DNS zone, and no run command", async () => {
    const { index, mc } = await aks(env);
    const zone = `engram-${env}.privatelink.westeurope.azmk8s.io`;
    expect(mc.resourceName).toBe(`aks-engram-${env}`);
    expect(mc.apiServerAccessProfile).toEqual({
      enablePrivateCluster: true,
      enablePrivateClusterPublicFQDN: false,
      privateDNSZone: `${rg(env)}/providers/Microsoft.Network/privateDnsZones/${zone}`,
      disableRunCommand: true,
    });
    // A custom zone takes an FQDN sub-domain, never a DNS prefix.
    expect(mc.fqdnSubdomain).toBe(`aks-engram-${env}`);
    expect(mc).not.toHaveProperty("dnsPrefix");
    expect(inputs(index.one(T.zone, "aks-dns-zone")).privateZoneName).toBe(zone);
  });

  it("authenticates with Entra only and authorizes with Azure RBAC: local accounts off, no admin group", async () => {
    const { mc } = await aks(env);
    expect(mc.aadProfile).toEqual({ managed: true, enableAzureRBAC: true, tenantID: TENANT });
    expect(mc.disableLocalAccounts).toBe(true);
    expect(mc.enableRBAC).toBe(true);
  });

  it("issues OIDC tokens for workload identity", async () => {
    const { mc } = await aks(env);
    expect(mc.oidcIssuerProfile).toEqual({ enabled: true });
    expect(mc.securityProfile.workloadIdentity).toEqual({ enabled: true });
  });

  it("runs Azure CNI overlay with Cilium, pods and Services outside the VNet, egress through the NAT gateway", async () => {
    const { index, mc } = await aks(env);
    expect(mc.networkProfile).toEqual({
      networkPlugin: "azure",
      networkPluginMode: "overlay",
      networkDataplane: "cilium",
      networkPolicy: "cilium",
      podCidr: "192.168.0.0/16",
      serviceCidr: "172.16.0.0/16",
      dnsServiceIP: "172.16.0.10",
      outboundType: "userAssignedNATGateway",
      loadBalancerSku: "standard",
    });
    const subnet = inputs(index.one(T.subnet, "network-aks-snet"));
    expect(subnet.natGateway).toBeDefined();
  });

  it("uses the user-assigned control-plane identity and the user-assigned kubelet identity", async () => {
    const { index, mc } = await aks(env);
    const cp = identity(index, "aks-control-plane");
    const kubelet = identity(index, "aks-kubelet");
    expect(inputs(cp).resourceName).toBe(`id-engram-${env}-aks-control-plane`);
    expect(inputs(kubelet).resourceName).toBe(`id-engram-${env}-aks-kubelet`);
    expect(mc.identity).toEqual({ type: "UserAssigned", userAssignedIdentities: [idOf(cp)] });
    expect(mc.identityProfile).toEqual({
      kubeletidentity: {
        resourceId: idOf(kubelet),
        clientId: placeholderUuid(kubelet.urn, "clientId"),
        objectId: placeholderUuid(kubelet.urn, "principalId"),
      },
    });
  });

  it("grants exactly what AKS needs and groups.sre reads the cluster; the cluster waits for the control plane's grants", async () => {
    const { index } = await aks(env);
    const cp = placeholderUuid(identity(index, "aks-control-plane").urn, "principalId");
    const kubelet = placeholderUuid(identity(index, "aks-kubelet").urn, "principalId");
    const cluster = idOf(index.one(MC));
    const subnet = idOf(index.one(T.subnet, "network-aks-snet"));
    const zone = idOf(index.one(T.zone, "aks-dns-zone"));
    const mine = assignments(index).filter(
      (a) => [cp, kubelet].includes(a.principalId) || a.scope === cluster,
    );
    const sp = "ServicePrincipal";
    expect(mine.map((a) => [a.principalId, a.principalType, a.role, a.scope]).sort()).toEqual(
      [
        [cp, sp, ROLE.privateDnsZoneContributor, zone],
        [cp, sp, ROLE.networkContributor, subnet],
        [cp, sp, ROLE.managedIdentityOperator, idOf(identity(index, "aks-kubelet"))],
        [kubelet, sp, ROLE.acrPull, ACR],
        [SRE[env], "Group", ROLE.aksRbacReader, cluster],
        [SRE[env], "Group", ROLE.aksClusterUser, cluster],
      ].sort(),
    );
    const deps = index.one(MC).newState.dependencies ?? [];
    const before = index
      .ofType(T.role)
      .filter((r) => [cp, kubelet].includes(inputs(r).principalId))
      .map((r) => r.urn);
    expect(before).toHaveLength(4);
    for (const urn of before) expect(deps).toContain(urn);
  });

  it("has a tainted system pool and an autoscaled user pool over zones 1-3, no SSH, no public IP, encryption at host", async () => {
    const { index, mc } = await aks(env);
    const subnet = idOf(index.one(T.subnet, "network-aks-snet"));
    const common = {
      type: "VirtualMachineScaleSets",
      osType: "Linux",
      osSKU: "AzureLinux",
      vmSize: "Standard_D4ds_v5",
      osDiskType: "Ephemeral",
      osDiskSizeGB: 128,
      enableAutoScaling: true,
      availabilityZones: ["1", "2", "3"],
      vnetSubnetID: subnet,
      enableNodePublicIP: false,
      enableEncryptionAtHost: true,
      enableFIPS: false,
      securityProfile: { sshAccess: "Disabled" },
    };
    const pools = mc.agentPoolProfiles as Json[];
    expect(pools.map((p) => p.name)).toEqual(["system", "user"]);
    expect(pools[0]).toMatchObject({ ...common, mode: "System", minCount: 3, maxCount: 5, count: 3 });
    expect(pools[0].nodeTaints).toEqual(["CriticalAddonsOnly=true:NoSchedule"]);
    expect(pools[1]).toMatchObject({ ...common, mode: "User", minCount: 3, maxCount: 9, count: 3 });
    expect(pools[1]).not.toHaveProperty("nodeTaints");
    // No SSH key at all (linuxProfile would carry one).
    expect(mc).not.toHaveProperty("linuxProfile");
  });

  it("is Standard tier with the patch and node-image upgrade channels; its node resource group is read-only", async () => {
    const { mc } = await aks(env);
    expect(mc.sku).toEqual({ name: "Base", tier: "Standard" });
    expect(mc.supportPlan).toBe("KubernetesOfficial");
    expect(mc.autoUpgradeProfile).toEqual({ upgradeChannel: "patch", nodeOSUpgradeChannel: "NodeImage" });
    expect(mc).not.toHaveProperty("kubernetesVersion");
    expect(mc.nodeResourceGroup).toBe(`rg-engram-${env}-aks-nodes`);
    expect(mc.nodeResourceGroupProfile).toEqual({ restrictionLevel: "ReadOnly" });
  });

  it("runs the Key Vault CSI driver with rotation, Azure Policy, Container Insights with managed identity, Defender and image cleaner", async () => {
    const { index, mc } = await aks(env);
    const workspace = `${rg(env)}/providers/Microsoft.OperationalInsights/workspaces/log-engram-${env}`;
    expect(mc.addonProfiles).toEqual({
      azureKeyvaultSecretsProvider: {
        enabled: true,
        config: { enableSecretRotation: "true", rotationPollInterval: "2m" },
      },
      azurepolicy: { enabled: true, config: { version: "v2" } },
      omsagent: { enabled: true, config: { logAnalyticsWorkspaceResourceID: workspace, useAADAuth: "true" } },
    });
    expect(mc.securityProfile).toEqual({
      workloadIdentity: { enabled: true },
      imageCleaner: { enabled: true, intervalHours: 48 },
      defender: { logAnalyticsWorkspaceResourceId: workspace, securityMonitoring: { enabled: true } },
    });
    expect(idOf(index.one("azure-native:operationalinsights:Workspace"))).toBe(workspace);
  });

  it("collects ContainerLogV2, Kubernetes events and inventory with a data collection rule on the cluster", async () => {
    const { index } = await aks(env);
    const dcr = inputs(index.one("azure-native:monitor:DataCollectionRule"));
    const streams = [
      "Microsoft-ContainerLogV2",
      "Microsoft-KubeEvents",
      "Microsoft-KubePodInventory",
      "Microsoft-KubeNodeInventory",
    ];
    expect(dcr.dataCollectionRuleName).toBe(`dcr-engram-${env}-aks`);
    expect(dcr.dataSources.extensions).toEqual([
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
    ]);
    expect(dcr.dataFlows).toEqual([{ streams, destinations: ["workspace"] }]);
    const association = inputs(index.one("azure-native:monitor:DataCollectionRuleAssociation"));
    expect(association).toMatchObject({
      associationName: "ContainerInsightsExtension",
      resourceUri: idOf(index.one(MC)),
      dataCollectionRuleId: idOf(index.one("azure-native:monitor:DataCollectionRule")),
    });
  });

  it("hands the Kubernetes provider its kubeconfig only as a secret: no server, CA or credential in the plan", async () => {
    const { index } = await aks(env);
    const providers = index.steps.filter((s) => s.newState.type === "pulumi:providers:kubernetes");
    expect(providers.length).toBeGreaterThan(0);
    for (const p of providers) expect(inputs(p).kubeconfig).toBe("[secret]");
    const text = JSON.stringify(index.plan);
    for (const leak of ["certificate-authority-data", "kubelogin", "client-key-data", "azmk8s.io:443"])
      expect(text.includes(leak) ? leak : "").toBe("");
  });
});
