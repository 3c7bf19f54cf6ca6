import { AlertThresholds } from "../config";
import {
  API_AUTH_FAILURES,
  API_SIGN_IN_FAILURES,
  KEY_VAULT_ACCESS_DENIED,
  KEY_VAULT_SECRET_READS,
  API_AUTH_FAILURES_AKS,
  MISSING_SECRET_EXITS,
  MISSING_SECRET_EXITS_AKS,
} from "./queries";

/**
 * The security alerts of SOP 000 (Logging & Monitoring: auth failures surge, RBAC assignment
 * changes, KV secret get/list spikes; Audit & Logging: secret access anomalies) and SOP 003 (alert
 * when an app exits due to missing secrets), as data. The layer binds them to one environment; the
 * component only creates what it is given.
 */

/** SOP 000 Incident Response (Auth-related), the steps every alert description points to. */
export const INCIDENT_RESPONSE =
  "SOP 000 Incident Response: 1) Contain: revoke the user/SP, disable compromised MI role assignments, rotate secrets. 2) Eradicate: rotate keys, revoke sessions, redeploy containers. 3) Recover: validate access, re-enable least privilege, run smoke tests. 4) Review: KV/Postgres/Storage/API log review, RCA, tighten policies.";

export type ThresholdKey = keyof AlertThresholds;

/** A log alert over the environment's workspace. */
export interface LogAlertDefinition {
  /** Stable key: logical names and the `alert-engram-<env>-<key>` Azure name derive from it. */
  key: string;
  displayName: string;
  /** 0 (critical) to 4 (verbose). */
  severity: 0 | 1 | 2 | 3 | 4;
  /** What happened and what to do first; the incident-response steps are appended. */
  action: string;
  query: string;
  /** The numeric column the threshold applies to. */
  measureColumn: string;
  /** Columns that split the alert (one alert per caller, per app). */
  dimensions: readonly string[];
  thresholdKey: ThresholdKey;
  /** Optional alerts: the boolean config key that turns it on. Without it the alert is required. */
  enabledBy?: "signInAlerts";
  /** ISO 8601 durations. */
  window: string;
  frequency: string;
  /**
   * Runtime aks: the query over the cluster's tables instead (Container Insights), with its own
   * dimensions and first steps. @default the definition above (it reads no runtime table)
   */
  aks?: { query: string; dimensions: readonly string[]; action: string };
}

/** An alert's definition on a runtime: the AKS form where it has one. */
export function onRuntime(a: LogAlertDefinition, runtime: "aca" | "aks"): LogAlertDefinition {
  return runtime === "aks" && a.aks ? { ...a, ...a.aks } : a;
}

export const LOG_ALERTS = {
  apiAuthFailures: {
    key: "api-auth-failures",
    displayName: "API auth failures surge (401/403)",
    severity: 2,
    action:
      "The backend returned many 401/403 responses: credential stuffing, a broken client, or a token/audience misconfiguration. Check AppRequests/ContainerAppConsoleLogs for the source IPs and paths; block abusive sources at the WAF; if a token leaked, revoke the user's sessions.",
    query: API_AUTH_FAILURES,
    measureColumn: "Failures",
    dimensions: [],
    thresholdKey: "authFailures",
    window: "PT5M",
    frequency: "PT5M",
    aks: {
      query: API_AUTH_FAILURES_AKS,
      dimensions: [],
      action:
        "The backend returned many 401/403 responses: credential stuffing, a broken client, or a token/audience misconfiguration. Check AppRequests/ContainerLogV2 (namespace engram, backend pods) for the source IPs and paths; block abusive sources at the WAF; if a token leaked, revoke the user's sessions.",
    },
  },
  keyVaultSecretReads: {
    key: "kv-secret-reads",
    displayName: "Key Vault secret get/list spike per caller",
    severity: 2,
    action:
      "One caller read (SecretGet/SecretList) far more secrets than usual. Identify the caller (Caller = object id) in AZKVAuditLogs; if it is not an engram service identity, or a service reading what it never reads, treat it as a compromise: remove its role assignments and rotate every secret it read.",
    query: KEY_VAULT_SECRET_READS,
    measureColumn: "Reads",
    dimensions: ["Caller"],
    thresholdKey: "secretReads",
    window: "PT15M",
    frequency: "PT5M",
  },
  keyVaultAccessDenied: {
    key: "kv-access-denied",
    displayName: "Key Vault access denied (403)",
    severity: 1,
    action:
      "The vault refused a request (HTTP 403). Either an identity is probing secrets it has no grant for, or a deployment removed a grant a service needs. Identify the caller and operation in AZKVAuditLogs; if unexpected, disable the caller and rotate the secrets it targeted.",
    query: KEY_VAULT_ACCESS_DENIED,
    measureColumn: "Denied",
    dimensions: ["Caller"],
    thresholdKey: "accessDenied",
    window: "PT15M",
    frequency: "PT5M",
  },
  missingSecretExits: {
    key: "missing-secret-exits",
    displayName: "Container exited: required secret missing",
    severity: 1,
    action:
      "A container stopped because a required secret was missing or unreadable (SOP 003 fail fast). Check that the Key Vault secret exists and is enabled, and that the app's identity still has Key Vault Secrets User on it; then restart the revision. If the secret was deleted or the grant removed unexpectedly, treat it as an incident.",
    query: MISSING_SECRET_EXITS,
    measureColumn: "Exits",
    dimensions: ["ContainerAppName"],
    thresholdKey: "missingSecretExits",
    window: "PT15M",
    frequency: "PT5M",
    aks: {
      query: MISSING_SECRET_EXITS_AKS,
      dimensions: ["App"],
      action:
        "A pod could not start or stopped because a required secret was missing or unreadable (SOP 003 fail fast). Check KubeEvents for the pod (FailedMount: the Secrets Store CSI driver; Failed: the synced Secret), that the Key Vault secret exists and is enabled, and that the app's identity still has Key Vault Secrets User on it; then restart the Deployment. If the secret was deleted or the grant removed unexpectedly, treat it as an incident.",
    },
  },
  apiSignInFailures: {
    key: "api-signin-failures",
    displayName: "Entra sign-in failures for the API",
    severity: 2,
    action:
      "Sign-ins for the API app are failing in numbers (password spray, blocked Conditional Access, or a misconfigured client). Check SigninLogs by user and IP; block or reset affected accounts.",
    query: API_SIGN_IN_FAILURES,
    measureColumn: "Failures",
    dimensions: [],
    thresholdKey: "authFailures",
    enabledBy: "signInAlerts",
    window: "PT15M",
    frequency: "PT15M",
  },
} as const satisfies Record<string, LogAlertDefinition>;

export type LogAlertKey = keyof typeof LOG_ALERTS;

/** The activity-log alert on role assignment changes (SOP 000: RBAC assignment changes). */
export const ROLE_ASSIGNMENT_ALERT = {
  key: "role-assignment-changes",
  displayName: "Role assignment created or deleted",
  /** Activity-log alerts carry no severity property; it is recorded as a tag and in the report. */
  severity: 1,
  operations: [
    "Microsoft.Authorization/roleAssignments/write",
    "Microsoft.Authorization/roleAssignments/delete",
  ],
  action:
    "A role assignment in this environment's resource group was created or deleted. Expected only from the deployment pipeline (pulumi up); check the caller in the activity log. Any other caller is an ad-hoc change (SOP 000 Change Control): remove the assignment and investigate who made it.",
} as const;

/** The full description of an alert: what to do first, then the SOP's incident-response steps. */
export function alertDescription(action: string): string {
  return `${action} ${INCIDENT_RESPONSE}`;
}

/**
 * Key Vault expiry alerts: Key Vault publishes these events to an Event Grid system topic, and an
 * event subscription turns each into an Azure Monitor alert to the environment's action group
 * (Azure Monitor alerts are a destination only for Key Vault events; the cloud events schema is the
 * only one it takes). Secrets expire by design (SOP 000 Rotation: supplied keys get an expiry, generated
 * ones rotate), and an expired secret stops an app at its next start (SOP 003 fail fast), so the
 * owner hears 30 days ahead and again on the day. Key Vault raises the events only for secret
 * versions written after the subscription exists, so every secret waits for it.
 */
export const VAULT_EXPIRY_ALERTS = {
  nearExpiry: {
    key: "kv-near-expiry",
    severity: "Sev2",
    eventTypes: ["Microsoft.KeyVault.SecretNearExpiry", "Microsoft.KeyVault.CertificateNearExpiry"],
    action:
      "A Key Vault secret expires within 30 days (the alert names it). Generated: run pulumi up, which rotates it. Supplied key: renew it at its provider, pulumi config set --secret, pulumi up.",
  },
  expired: {
    key: "kv-expired",
    severity: "Sev1",
    eventTypes: ["Microsoft.KeyVault.SecretExpired", "Microsoft.KeyVault.CertificateExpired"],
    action:
      "A Key Vault secret has expired (the alert names it): apps that start now cannot read it and exit. Rotate it at once: pulumi up for generated secrets; renew supplied keys, pulumi config set --secret, pulumi up.",
  },
} as const;
