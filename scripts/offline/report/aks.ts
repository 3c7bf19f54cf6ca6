import { parse } from "yaml";
import { byCodePoint } from "../../../lib/text";
import { PlanStep } from "../plan";
import { PlanIndex } from "../plan-index";
import { code, Inputs, list, obj, orNotSet, table } from "./format";
import { ReportSection } from "./section";

/**
 * The AKS runtime as planned (DESIGN.md §11): the cluster's hardening settings from the
 * ManagedCluster request, and per workload its identity and its secrets. Read from the plan only;
 * no section when the plan has no cluster (Container Apps stacks).
 */

const CLUSTER_TYPE = "azure-native:containerservice:ManagedCluster";
const at = (o: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as Inputs)[k] : undefined), o);

function poolsText(i: Inputs, f: (pool: Inputs) => unknown): string {
  const pools = (i.agentPoolProfiles as Inputs[] | undefined) ?? [];
  return pools.map((p) => `${String(p.name)}: ${orNotSet(f(p))}`).join("; ") || "no pools";
}

function addonsText(i: Inputs): string {
  const addons = (i.addonProfiles as Record<string, Inputs> | undefined) ?? {};
  return (
    Object.keys(addons)
      .sort(byCodePoint)
      .filter((k) => addons[k].enabled === true)
      .map((k) => {
        const cfg = (addons[k].config as Record<string, string> | undefined) ?? {};
        const settings = Object.keys(cfg)
          .filter((c) => !/ResourceID$/i.test(c))
          .sort(byCodePoint)
          .map((c) => `${c}=${cfg[c]}`);
        return settings.length ? `${k} (${settings.join(", ")})` : k;
      })
      .join("; ") || "none"
  );
}

function hardeningRows(i: Inputs): string[][] {
  const net = (i.networkProfile as Inputs | undefined) ?? {};
  return [
    ["private API server", orNotSet(at(i, "apiServerAccessProfile", "enablePrivateCluster"))],
    [
      "public FQDN for the private API server",
      orNotSet(at(i, "apiServerAccessProfile", "enablePrivateClusterPublicFQDN")),
    ],
    [
      "run command",
      at(i, "apiServerAccessProfile", "disableRunCommand") === true ? "disabled" : "not disabled",
    ],
    ["local accounts disabled", orNotSet(i.disableLocalAccounts)],
    ["Entra integration (managed)", orNotSet(at(i, "aadProfile", "managed"))],
    ["Azure RBAC for Kubernetes authorization", orNotSet(at(i, "aadProfile", "enableAzureRBAC"))],
    ["OIDC issuer", orNotSet(at(i, "oidcIssuerProfile", "enabled"))],
    ["workload identity", orNotSet(at(i, "securityProfile", "workloadIdentity", "enabled"))],
    [
      "network plugin / mode / dataplane / policy",
      [net.networkPlugin, net.networkPluginMode, net.networkDataplane, net.networkPolicy]
        .map(orNotSet)
        .join(" / "),
    ],
    ["outbound type", orNotSet(net.outboundType)],
    ["SSH to nodes (per pool)", poolsText(i, (p) => at(p, "securityProfile", "sshAccess"))],
    ["encryption at host (per pool)", poolsText(i, (p) => p.enableEncryptionAtHost)],
    [
      "node taints (per pool)",
      poolsText(i, (p) => ((p.nodeTaints as string[] | undefined) ?? []).join(", ") || "none"),
    ],
    [
      "zones (per pool)",
      poolsText(i, (p) => ((p.availabilityZones as string[] | undefined) ?? []).join(", ")),
    ],
    ["tier", orNotSet(at(i, "sku", "tier"))],
    [
      "upgrade channel / node OS channel",
      `${orNotSet(at(i, "autoUpgradeProfile", "upgradeChannel"))} / ${orNotSet(at(i, "autoUpgradeProfile", "nodeOSUpgradeChannel"))}`,
    ],
    ["add-ons", addonsText(i)],
    [
      "Defender for Containers",
      orNotSet(at(i, "securityProfile", "defender", "securityMonitoring", "enabled")),
    ],
    ["image cleaner", orNotSet(at(i, "securityProfile", "imageCleaner", "enabled"))],
  ];
}

export const aksClusterSection: ReportSection = ({ index }) => {
  const clusters = index.ofType(CLUSTER_TYPE);
  if (clusters.length === 0) return undefined;
  return clusters
    .map((c) =>
      [
        `## AKS cluster hardening: ${code(c.newState.inputs.resourceName)}`,
        "",
        table(["setting", "value"], hardeningRows(c.newState.inputs)),
      ].join("\n"),
    )
    .join("\n\n");
};

type Meta = { name: string; namespace?: string; annotations?: Record<string, string> };
const metaOf = (s: PlanStep): Meta => s.newState.inputs.metadata as Meta;
interface Container {
  env?: { name: string; valueFrom?: { secretKeyRef?: { key: string } } }[];
  volumeMounts?: { mountPath: string; subPath?: string }[];
  securityContext?: { readOnlyRootFilesystem?: boolean };
}

/** The `objects` parameter of a SecretProviderClass (`array:` of YAML documents), as type and name. */
export function keyVaultObjects(objects: unknown): { name: string; type: string }[] {
  if (typeof objects !== "string") return [];
  return list(obj(parse(objects)).array).map((entry) => {
    const o = obj(typeof entry === "string" ? parse(entry) : entry);
    return { name: String(o.objectName), type: String(o.objectType ?? "secret") };
  });
}

/** The Key Vault object names of a SecretProviderClass's `objects` parameter. */
export function spcObjects(step: PlanStep): string[] {
  return keyVaultObjects(at(step.newState.inputs, "spec", "parameters", "objects")).map((o) => o.name);
}

function workloadRow(index: PlanIndex, d: PlanStep): string[] {
  const name = metaOf(d).name;
  const byName = (type: string) => index.ofType(type).find((s) => metaOf(s).name === name);
  const sa = byName("kubernetes:core/v1:ServiceAccount");
  const clientId = sa ? metaOf(sa).annotations?.["azure.workload.identity/client-id"] : undefined;
  const fic = index
    .ofType("azure-native:managedidentity:FederatedIdentityCredential")
    .find((s) => String(s.newState.inputs.subject).endsWith(`:${name}`));
  const spc = index
    .ofType("kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass")
    .find((s) => metaOf(s).name === `${name}-kv`);
  const c = (at(d.newState.inputs, "spec", "template", "spec", "containers") as Container[])[0];
  const secretEnv = (c.env ?? [])
    .filter((e) => e.valueFrom?.secretKeyRef)
    .map((e) => `${e.name} ← ${e.valueFrom?.secretKeyRef?.key ?? ""}`);
  const files = (c.volumeMounts ?? [])
    .filter((m) => m.subPath)
    .map((m) => `${m.mountPath} ← ${m.subPath ?? ""}`);
  return [
    code(name),
    sa ? code(name) : "none",
    clientId ? code(clientId) : "none (no Azure identity)",
    fic ? code(fic.newState.inputs.subject) : "none",
    spc ? spcObjects(spc).join(", ") || "none" : "none",
    secretEnv.join("; ") || "none",
    files.join("; ") || "none",
    String(c.securityContext?.readOnlyRootFilesystem ?? false),
  ];
}

export const aksWorkloadsSection: ReportSection = ({ index }) => {
  const deployments = index.ofType("kubernetes:apps/v1:Deployment");
  if (deployments.length === 0) return undefined;
  return [
    "## Workloads (AKS)",
    "",
    "Per workload in namespace `engram`: its ServiceAccount, the managed identity client id it is annotated",
    "with, the federated credential's subject, the Key Vault secrets its SecretProviderClass reads through",
    "the CSI driver, the env vars and files they become, and whether its root filesystem is read-only.",
    "",
    table(
      [
        "workload",
        "service account",
        "MI client id",
        "federated subject",
        "Key Vault secrets",
        "env from secrets",
        "files from secrets",
        "read-only root",
      ],
      deployments.map((d) => workloadRow(index, d)),
    ),
  ].join("\n");
};
