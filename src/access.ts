// table
import type { RoleName } from "../lib/roles";
import type { SecretSettingKey } from "./config/secret-settings";
import type { Decisions } from "./matrix";
import { SERVICE_NAMES, ServiceName, VAULT_SECRETS, vaultSecretsFor, VaultSecretSpec } from "./services";

/**
 * DESIGN.md §4 as data: every role assignment this program makes is a row here (who, which role,
 * on what). The layers and components own the scopes; each makes the rows on its scope kind with
 * `grant()` (src/layers/grants.ts applyAccess), and makes no grant that is not a row.
 *
 * Who reads which Key Vault secret is VAULT_SECRETS (src/services.ts) and TEMPORAL_TLS_SECRETS
 * (src/layers/runtime/temporal-mtls.ts); a `kv-secret` row is what allows a grantee to be a reader.
 * The Postgres Entra administrator (groups.dba) is a server setting, not a role assignment.
 */

/** A platform group (`engram:groups.<key>`), granted only when configured. */
export type GroupGrantee = "group:sre" | "group:security" | "group:dba" | "group:data" | "group:dev";

/**
 * Who is granted: a service's identity, the Temporal UI's, the gateway's, the AKS cluster's
 * control-plane and kubelet identities (runtime aks), or a platform group.
 */
export type Grantee =
  ServiceName | "temporal-ui" | "appgw" | "aks-control-plane" | "aks-kubelet" | GroupGrantee;

/** What a role is granted on; each kind exists in one layer or component, which makes its rows. */
export type ScopeKind =
  /** Each Key Vault secret the grantee reads (its readers in VAULT_SECRETS or TEMPORAL_TLS_SECRETS). */
  | "kv-secret"
  /** The `engram-data` blob container. */
  | "st-container"
  /** The Azure AI account (`engram:ai.accountId`). */
  | "ai-account"
  /** Application Insights. */
  | "appi"
  /** The Log Analytics workspace. */
  | "log"
  /** The container registry, when one is configured. */
  | "acr"
  /** The environment's resource group. */
  | "rg"
  /** The Key Vault itself (metadata, not secret values). */
  | "kv"
  /** The WAF gateway's TLS certificate secret (components/app-gateway-waf.ts). */
  | "appgw-cert"
  /** The AKS cluster (runtime aks; src/layers/runtime/aks/cluster.ts makes the rows on its scopes). */
  | "aks"
  /** The AKS API server's private DNS zone (the program's own, so the control plane writes its record). */
  | "aks-dns-zone"
  /** The AKS node subnet (the internal load balancer and the nodes' NICs). */
  | "aks-subnet"
  /** The kubelet's user-assigned identity (the control plane assigns it to the node pools). */
  | "aks-kubelet-identity";

export interface AccessRow {
  /** `each service`: one row per service of src/services.ts with its own identity. */
  who: Grantee | "each service";
  role: RoleName;
  on: ScopeKind;
}

/** The rows of DESIGN.md §4, in its order. */
export const ACCESS: readonly AccessRow[] = [
  { who: "backend", role: "Key Vault Secrets User", on: "kv-secret" },
  { who: "backend", role: "Storage Blob Data Contributor", on: "st-container" },
  { who: "backend", role: "Cognitive Services OpenAI User", on: "ai-account" },
  { who: "backend", role: "Monitoring Reader", on: "appi" },
  // Telemetry ingestion with an Entra token (local auth off in uat/staging/prod).
  { who: "backend", role: "Monitoring Metrics Publisher", on: "appi" },
  { who: "worker", role: "Key Vault Secrets User", on: "kv-secret" },
  { who: "worker", role: "Storage Blob Data Contributor", on: "st-container" },
  { who: "worker", role: "Cognitive Services OpenAI User", on: "ai-account" },
  { who: "worker", role: "Monitoring Metrics Publisher", on: "appi" },
  { who: "zep", role: "Key Vault Secrets User", on: "kv-secret" },
  { who: "temporal", role: "Key Vault Secrets User", on: "kv-secret" },
  // Its own mTLS client certificate (prod).
  { who: "temporal-ui", role: "Key Vault Secrets User", on: "kv-secret" },
  { who: "each service", role: "AcrPull", on: "acr" },
  { who: "temporal-ui", role: "AcrPull", on: "acr" },
  // The AKS nodes pull the images with the kubelet identity (runtime aks).
  { who: "aks-kubelet", role: "AcrPull", on: "acr" },
  // What AKS needs of its user-assigned control-plane identity with a custom private DNS zone, a
  // custom subnet and a user-assigned kubelet identity (learn.microsoft.com/azure/aks/use-managed-identity).
  { who: "aks-control-plane", role: "Private DNS Zone Contributor", on: "aks-dns-zone" },
  { who: "aks-control-plane", role: "Network Contributor", on: "aks-subnet" },
  { who: "aks-control-plane", role: "Managed Identity Operator", on: "aks-kubelet-identity" },
  { who: "appgw", role: "Key Vault Secrets User", on: "appgw-cert" },
  { who: "group:data", role: "Storage Blob Data Reader", on: "st-container" },
  { who: "group:sre", role: "Monitoring Reader", on: "rg" },
  { who: "group:sre", role: "Reader", on: "rg" },
  // Read-only inside the cluster (Azure RBAC for Kubernetes) and the Entra kubeconfig to use it.
  { who: "group:sre", role: "Azure Kubernetes Service RBAC Reader", on: "aks" },
  { who: "group:sre", role: "Azure Kubernetes Service Cluster User Role", on: "aks" },
  { who: "group:security", role: "Key Vault Reader", on: "kv" },
  { who: "group:security", role: "Log Analytics Reader", on: "log" },
  // Refused in uat/staging/prod by config (groups.dev) and by grant() (Contributor).
  { who: "group:dev", role: "Contributor", on: "rg" },
];

/** One grant to make: a row with `each service` expanded. */
export interface AccessGrant {
  who: Grantee;
  role: RoleName;
}

/** The grants on one scope kind, in table order (`each service` expanded in src/services.ts order). */
export function accessOn(on: ScopeKind, table: readonly AccessRow[] = ACCESS): AccessGrant[] {
  return table
    .filter((r) => r.on === on)
    .flatMap((r) =>
      (r.who === "each service" ? SERVICE_NAMES : [r.who]).map((who) => ({ who, role: r.role })),
    );
}

/** A grantee's role on the Key Vault secrets that name it a reader (its `kv-secret` row); none without one. */
export function secretReadRole(who: Grantee, table: readonly AccessRow[] = ACCESS): RoleName | undefined {
  return accessOn("kv-secret", table).find((g) => g.who === who)?.role;
}

/** The refusal of a secret's reader without a `kv-secret` row (here, and for the secrets later layers add). */
export const noSecretReadRow = (secret: string, reader: string): string =>
  `vault secret ${secret}: ${reader} reads it but has no kv-secret row in src/access.ts (DESIGN.md §4)`;

/**
 * Where VAULT_SECRETS (src/services.ts) and this table disagree for one environment: a secret's
 * reader that is not a service with its own identity, or that has no `kv-secret` row. The program
 * checks this before it registers anything (src/program.ts), so an edit that breaks it stops every
 * plan and `pulumi up` at the start, never halfway through; the plan command checks it before the
 * program loads. Each problem names the secret, the reader and the table to fix.
 */
export function secretReaderProblems(
  cfg: { decisions: Decisions; secretsPresent: readonly SecretSettingKey[] },
  table: readonly AccessRow[] = ACCESS,
  secrets: Record<string, VaultSecretSpec> = VAULT_SECRETS,
): string[] {
  const services: readonly string[] = SERVICE_NAMES;
  return vaultSecretsFor(cfg.secretsPresent, secrets).flatMap((name) =>
    secrets[name]
      .readers(cfg.decisions)
      .flatMap((reader) =>
        !services.includes(reader)
          ? [
              `vault secret ${name}: ${reader} reads it but is not a service with its own identity in src/services.ts`,
            ]
          : secretReadRole(reader, table) === undefined
            ? [noSecretReadRow(name, reader)]
            : [],
      ),
  );
}
