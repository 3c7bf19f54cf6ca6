import { PlanStep } from "../plan";
import { PlanIndex } from "../plan-index";
import { grantParts, lastSegment, table } from "./format";
import { ReportSection } from "./section";

/**
 * Per Container App: the identity it runs as, its secrets (Key Vault secret → env var or file),
 * its ingress and the role assignments it waits for. Read from the plan, never from config.
 */

type Env = { name: string; value?: string; secretRef?: string };
interface AppInputs {
  containerAppName: string;
  identity?: { type: string; userAssignedIdentities?: string[] };
  configuration?: {
    secrets?: { name: string; keyVaultUrl?: string }[];
    ingress?: {
      external: boolean;
      transport?: string;
      targetPort?: number;
      exposedPort?: number;
      ipSecurityRestrictions?: { ipAddressRange: string }[];
      corsPolicy?: { allowedOrigins: string[] };
    };
  };
  template?: {
    containers?: { env?: Env[] }[];
    volumes?: { name: string; secrets?: { path: string; secretRef: string }[] }[];
  };
}

function ingressText(index: PlanIndex, a: AppInputs): string {
  const i = a.configuration?.ingress;
  if (!i) return "none";
  const env = index.ofType("azure-native:app:ManagedEnvironment")[0];
  const envInternal = (env?.newState.inputs.vnetConfiguration as { internal?: boolean } | undefined)
    ?.internal;
  const scope = !i.external
    ? "internal (environment only)"
    : envInternal
      ? "VNet only (internal environment)"
      : "public";
  const port = i.transport === "tcp" ? `TCP ${i.exposedPort ?? i.targetPort}` : `HTTPS → ${i.targetPort}`;
  const ips = i.ipSecurityRestrictions?.length
    ? `; allow ${i.ipSecurityRestrictions.map((r) => r.ipAddressRange).join(", ")}`
    : "";
  const cors = i.corsPolicy ? `; CORS ${i.corsPolicy.allowedOrigins.join(", ")}` : "";
  return `${scope}, ${port}${ips}${cors}`;
}

function secretsText(a: AppInputs): string {
  const secrets = a.configuration?.secrets ?? [];
  if (secrets.length === 0) return "none";
  const env = a.template?.containers?.[0]?.env ?? [];
  const files = (a.template?.volumes ?? []).flatMap((v) =>
    (v.secrets ?? []).map((s) => ({ ...s, volume: v.name })),
  );
  return secrets
    .map((s) => {
      const uses = [
        ...env.filter((e) => e.secretRef === s.name).map((e) => e.name),
        ...files.filter((f) => f.secretRef === s.name).map((f) => `file ${f.path}`),
      ];
      return `${s.name} → ${uses.join(", ") || "(unused)"}`;
    })
    .join("; ");
}

function grantsText(index: PlanIndex, s: PlanStep): string {
  const grants = s.newState.dependencies
    .map((u) => index.get(u))
    .filter((d): d is PlanStep => d?.newState.type === "azure-native:authorization:RoleAssignment")
    .map((d) => {
      const g = grantParts(d.newState.inputs.description);
      return g ? `${g.role} on ${g.scope}` : String(d.newState.inputs.description ?? "");
    });
  return grants.length ? grants.sort().join("; ") : "none";
}

export const appsSection: ReportSection = ({ index }) => {
  const apps = index.ofType("azure-native:app:ContainerApp");
  if (apps.length === 0) return undefined;
  const rows = apps.map((s) => {
    const a = s.newState.inputs as unknown as AppInputs;
    const ids = a.identity?.userAssignedIdentities ?? [];
    return [
      `\`${a.containerAppName}\``,
      ids.length ? ids.map((id) => lastSegment(id)).join(", ") : "none",
      secretsText(a),
      ingressText(index, a),
      grantsText(index, s),
    ];
  });
  return [
    "## Container Apps",
    "",
    "Each app runs as its own user-assigned identity; every secret is a Key Vault reference read with that",
    "identity and handed to the container as a `secretRef` env var or a secret-volume file. The app waits",
    "for the role assignments listed (Key Vault references are resolved and images pulled at revision start).",
    "",
    table(
      ["app", "identity", "secrets (Key Vault secret → env var / file)", "ingress", "depends on grants"],
      rows,
    ),
  ].join("\n");
};
