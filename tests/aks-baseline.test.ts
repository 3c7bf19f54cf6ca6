import { idOf, inputs, Json } from "./helpers/data";
import { planOk } from "./helpers/plan";
import { AKS_CHANGE } from "./helpers/variants";

const MC = "azure-native:containerservice:ManagedCluster";
const prodAks = async () => {
  const { index } = await planOk("prod", AKS_CHANGE.prod);
  return { index, mc: inputs(index.one(MC)) as Json };
};

/**
 * Microsoft's Azure Policy built-ins for AKS (docs/azure-policy-baseline.md §11), each with the
 * request property its rule reads (Azure/azure-policy, built-in-policies/policyDefinitions/
 * Kubernetes and Security Center) and the compliant value, judged on the request alone.
 */
const BUILT_INS: [name: string, id: string, compliant: (mc: Json) => boolean][] = [
  [
    "Azure Kubernetes Service Private Clusters should be enabled",
    "040732e8-d947-40b8-95d6-854c95024bf8",
    (mc) => mc.apiServerAccessProfile.enablePrivateCluster === true,
  ],
  [
    "Azure Kubernetes Service Clusters should have local authentication methods disabled",
    "993c2fcd-2b29-49d2-9eb0-df2c3a730c32",
    (mc) => mc.disableLocalAccounts === true,
  ],
  [
    "Azure Kubernetes Service Clusters should enable Azure Active Directory integration",
    "450d2877-ebea-41e8-b00c-e286317d21bf",
    (mc) => mc.aadProfile?.managed === true,
  ],
  [
    "Role-Based Access Control (RBAC) should be used on Kubernetes Services",
    "ac4a19c2-fa67-49b4-8ae5-0b2e78c49457",
    (mc) => mc.enableRBAC === true,
  ],
  [
    "Azure Policy Add-on for Kubernetes service (AKS) should be installed and enabled on your clusters",
    "0a15ec92-a229-4763-bb14-0ea34a568f8d",
    (mc) => mc.addonProfiles.azurepolicy.enabled === true,
  ],
  [
    "Azure Kubernetes Service clusters should have Defender profile enabled",
    "a1840de2-8088-4ea8-b153-b4c723e9cb01",
    (mc) => mc.securityProfile.defender.securityMonitoring.enabled === true,
  ],
  [
    "Temp disks and cache for agent node pools in Azure Kubernetes Service clusters should be encrypted at host",
    "41425d9f-d1a5-499a-9932-f8ed8453932c",
    (mc) => mc.agentPoolProfiles.every((p: Json) => p.enableEncryptionAtHost === true),
  ],
  [
    "Azure Kubernetes Service Clusters should enable Image Cleaner",
    "af3c26b2-6fad-493e-9236-9c68928516ab",
    (mc) => mc.securityProfile.imageCleaner.enabled === true,
  ],
  [
    "Azure Kubernetes Clusters should disable SSH",
    "28257686-e9db-403e-b9e2-a5eecbe03da9",
    (mc) => mc.agentPoolProfiles.every((p: Json) => p.securityProfile?.sshAccess === "Disabled"),
  ],
  [
    "Azure Kubernetes Service Clusters should enable workload identity",
    "2cc2e023-0dac-4046-875b-178f683929d5",
    (mc) => mc.securityProfile.workloadIdentity.enabled === true,
  ],
  [
    "Azure Kubernetes Service Clusters should disable Command Invoke",
    "89f2d532-c53c-4f8f-9afa-4927b1114a0d",
    (mc) => mc.apiServerAccessProfile.disableRunCommand === true,
  ],
  [
    "Azure Kubernetes Service Clusters should enable cluster auto-upgrade",
    "5c345cdf-2049-47e0-b8fe-b0e96bc2df35",
    (mc) => ["rapid", "stable", "patch"].includes(mc.autoUpgradeProfile.upgradeChannel),
  ],
  [
    "Azure Kubernetes Service Clusters should enable node os auto-upgrade",
    "04408ca5-aa10-42ce-8536-98955cdddd4c",
    (mc) => ["NodeImage", "SecurityPatch"].includes(mc.autoUpgradeProfile.nodeOSUpgradeChannel),
  ],
  [
    "Azure Kubernetes Service Clusters should use managed identities",
    "da6e2401-19da-4532-9141-fb8fbde08431",
    (mc) => mc.servicePrincipalProfile === undefined && mc.identity.type === "UserAssigned",
  ],
  [
    "Authorized IP ranges should be defined on Kubernetes Services (private clusters pass)",
    "0e246bcf-5f6f-4f87-bc6f-775d4712c7ea",
    (mc) => mc.apiServerAccessProfile.enablePrivateCluster === true,
  ],
  [
    "Azure Kubernetes Clusters should enable Container Storage Interface (CSI) (none turned off)",
    "c5110b6e-5272-4989-9935-59ad06fdf341",
    (mc) => mc.storageProfile === undefined,
  ],
];

describe("the Azure Policy built-ins for AKS on the prod AKS plan", () => {
  it.each(BUILT_INS)("%s (%s)", async (_name, _id, compliant) => {
    const { mc } = await prodAks();
    expect(compliant(mc)).toBe(true);
  });

  it("Resource logs in Azure Kubernetes Service should be enabled (245fc9df-fa96-4414-9a0b-3738c2f7341c): a setting with enabled logs", async () => {
    const { index } = await prodAks();
    const settings = index
      .ofType("azure-native:monitor:DiagnosticSetting")
      .filter((d) => inputs(d).resourceUri === idOf(index.one(MC)));
    expect(settings).toHaveLength(1);
    expect((inputs(settings[0]).logs as Json[]).every((l) => l.enabled === true)).toBe(true);
    expect(inputs(settings[0])).not.toHaveProperty("storageAccountId");
  });

  it("Azure Kubernetes Clusters should enable Key Management Service (KMS) (dbbdc317-9734-4dd8-9074-993b29c69008): a documented departure (docs/aks.md)", async () => {
    const { mc } = await prodAks();
    expect(mc.securityProfile).not.toHaveProperty("azureKeyVaultKms");
  });
});
