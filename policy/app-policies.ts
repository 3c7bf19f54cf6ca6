import type { ResourceValidationPolicy } from "@pulumi/policy";
import { temporalMtlsDeployment } from "./k8s-policies";
import {
  Environment,
  isHigher,
  LOG_RETENTION_DAYS,
  INTERNAL_SERVICES,
  SECRET_ENV,
  SECRET_MASK,
  obj,
  list,
  show,
  forType,
} from "./common";

/**
 * The apps and their front: secrets in env vars, ingress, backplanes, CORS, Temporal mTLS, peer
 * encryption, the WAF, and log retention.
 * Part of the pack that policies.ts assembles.
 */

export function containerAppSecrets(): ResourceValidationPolicy {
  return {
    name: "container-app-secrets",
    description:
      "Container App secrets are Key Vault references resolved by one of the app's identities; secret environment variables come only through secretRef.",
    enforcementLevel: "mandatory",
    validateResource: forType("azure-native:app:ContainerApp", (p, _args, report) => {
      const assigned = obj(p.identity).userAssignedIdentities;
      const identities = Array.isArray(assigned) ? assigned.map(String) : Object.keys(obj(assigned));
      const secrets = list(obj(p.configuration).secrets).map(obj);
      for (const s of secrets) {
        const name = show(s.name);
        if (s.value !== undefined || typeof s.keyVaultUrl !== "string")
          report(
            `secret ${name} is not a Key Vault reference (keyVaultUrl); values are never stored in the app (SOP 002: Container Apps reference Key Vault secrets)`,
          );
        else if (
          typeof s.identity !== "string" ||
          (s.identity !== "system" && !identities.includes(s.identity))
        )
          report(
            `secret ${name} is resolved by identity ${show(s.identity)}, not one of the app's managed identities (SOP 002: Managed Identity for Key Vault access)`,
          );
      }
      const names = new Set(secrets.map((s) => s.name));
      const template = obj(p.template);
      for (const c of [...list(template.containers), ...list(template.initContainers)].map(obj))
        for (const e of list(c.env).map(obj)) {
          const secretish = SECRET_ENV.test(String(e.name)) || e.value === SECRET_MASK;
          if (secretish && e.value !== undefined)
            report(
              `container ${show(c.name)} sets ${show(e.name)} as a plain value, not through secretRef (SOP 002: reference secrets using secretRef)`,
            );
          else if (e.secretRef !== undefined && !names.has(e.secretRef))
            report(
              `container ${show(c.name)} reads ${show(e.name)} from secretRef ${show(e.secretRef)}, which the app does not declare (SOP 002)`,
            );
          else if (secretish && e.secretRef === undefined)
            report(`container ${show(c.name)} sets ${show(e.name)} without secretRef (SOP 002)`);
        }
    }),
  };
}

export function insecureIngress(): ResourceValidationPolicy {
  return {
    name: "no-insecure-ingress",
    description: "Container App ingress never accepts plain HTTP.",
    enforcementLevel: "mandatory",
    validateResource: forType("azure-native:app:ContainerApp", (p, _args, report) => {
      const ingress = obj(obj(p.configuration).ingress);
      if (ingress.allowInsecure === true)
        report("ingress.allowInsecure is true (SOP 000 Identity Principles: HTTPS/TLS everywhere)");
    }),
  };
}

export function internalBackplanes(): ResourceValidationPolicy {
  return {
    name: "internal-backplanes",
    description: "Zep, Temporal and the Temporal UI are never reachable from outside their environment.",
    enforcementLevel: "mandatory",
    validateResource: forType("azure-native:app:ContainerApp", (p, _args, report) => {
      const service = String(obj(p.tags).service ?? "");
      const ingress = obj(obj(p.configuration).ingress);
      if (INTERNAL_SERVICES.includes(service) && ingress.external !== false)
        report(
          `${service} has ingress.external ${show(ingress.external)}, must be false (SOP 000 Network Controls: internal ingress for Zep/Temporal server)`,
        );
    }),
  };
}

export function corsOrigins(env: Environment): ResourceValidationPolicy {
  return {
    name: "cors-origins",
    description: "CORS never allows *; in uat, staging and prod only https origins, no localhost.",
    enforcementLevel: "mandatory",
    validateResource: forType("azure-native:app:ContainerApp", (p, _args, report) => {
      const ingress = obj(obj(p.configuration).ingress);
      const origins = list(obj(ingress.corsPolicy).allowedOrigins).map(String);
      for (const c of list(obj(p.template).containers).map(obj))
        for (const e of list(c.env).map(obj))
          if (e.name === "CORS_ORIGINS" && typeof e.value === "string")
            origins.push(...e.value.split(",").map((o) => o.trim()));
      for (const o of [...new Set(origins)]) {
        if (o.includes("*")) report(`CORS origin ${show(o)} is a wildcard (SOP 001 CORS: no wildcards)`);
        else if (isHigher(env) && (!o.startsWith("https://") || /^https?:\/\/(localhost|127\.)/.test(o)))
          report(
            `CORS origin ${show(o)} in ${env}: only the environment's https frontends (SOP 001 CORS: Staging/UAT restrict to env frontends; Prod no wildcards)`,
          );
      }
    }),
  };
}

export function logRetention(env: Environment): ResourceValidationPolicy {
  return {
    name: "log-retention",
    description: `Log Analytics keeps logs at least ${LOG_RETENTION_DAYS[env]} days in ${env}.`,
    enforcementLevel: "mandatory",
    validateResource: forType("azure-native:operationalinsights:Workspace", (p, _args, report) => {
      const days = p.retentionInDays;
      if (typeof days !== "number" || days < LOG_RETENTION_DAYS[env])
        report(
          `retentionInDays is ${show(days)}, at least ${LOG_RETENTION_DAYS[env]} in ${env} (SOP 000 Audit & Logging: retain per env, prod >= 365d)`,
        );
    }),
  };
}

export function temporalMtls(env: Environment): ResourceValidationPolicy {
  return {
    name: "temporal-mtls",
    description:
      "In prod the Temporal frontend requires client certificates (mTLS); prod runs on AKS (runtime-by-environment), so the Temporal Deployment is what is read.",
    enforcementLevel: "mandatory",
    validateResource: temporalMtlsDeployment(env),
  };
}

export function peerEncryption(env: Environment): ResourceValidationPolicy {
  return {
    name: "peer-encryption",
    description:
      "In uat, staging and prod traffic between Container Apps is encrypted (mTLS in the environment).",
    enforcementLevel: "mandatory",
    validateResource: forType("azure-native:app:ManagedEnvironment", (p, _args, report) => {
      const enabled = obj(obj(p.peerTrafficConfiguration).encryption).enabled;
      if (isHigher(env) && enabled !== true)
        report(
          `peerTrafficConfiguration.encryption.enabled is ${show(enabled)} in ${env}, must be true (SOP 000 Identity Principles: mTLS where supported)`,
        );
    }),
  };
}

/** Every policy of the pack for one environment, all mandatory. */
/** TLS policies of Application Gateway that allow nothing below TLS 1.2 (Microsoft's predefined ones). */
export const TLS12_GATEWAY_POLICIES: readonly string[] = [
  "AppGwSslPolicy20220101",
  "AppGwSslPolicy20220101S",
];

export function wafPrevention(env: Environment): ResourceValidationPolicy {
  return {
    name: "waf-prevention",
    description:
      "The WAF policy is enabled in Prevention mode with Microsoft's Default Rule Set; Application Gateway allows TLS 1.2 or later only.",
    enforcementLevel: "mandatory",
    validateResource: [
      forType("azure-native:network:WebApplicationFirewallPolicy", (p, _args, report) => {
        const settings = obj(p.policySettings);
        if (settings.state !== "Enabled")
          report(
            `policySettings.state is ${show(settings.state)}, must be "Enabled" (SOP 000 Network Controls: API public via WAF/APIM in prod)`,
          );
        if (settings.mode !== "Prevention")
          report(
            `policySettings.mode is ${show(settings.mode)} in ${env}, must be "Prevention": Detection only logs attacks (SOP 000 Network Controls: API public via WAF/APIM in prod)`,
          );
        const sets = list(obj(p.managedRules).managedRuleSets).map((r) => obj(r).ruleSetType);
        if (!sets.includes("Microsoft_DefaultRuleSet") && !sets.includes("OWASP"))
          report(
            `managedRules runs ${show(sets)}, must include Microsoft_DefaultRuleSet (SOP 000 Network Controls: API public via WAF/APIM in prod)`,
          );
      }),
      forType("azure-native:network:ApplicationGateway", (p, _args, report) => {
        const ssl = obj(p.sslPolicy);
        const ok =
          (ssl.policyType === "Predefined" && TLS12_GATEWAY_POLICIES.includes(String(ssl.policyName))) ||
          ((ssl.policyType === "Custom" || ssl.policyType === "CustomV2") &&
            (ssl.minProtocolVersion === "TLSv1_2" || ssl.minProtocolVersion === "TLSv1_3"));
        if (!ok)
          report(
            `sslPolicy is ${show(p.sslPolicy)}, must allow TLS 1.2 or later only (${TLS12_GATEWAY_POLICIES.join(" or ")}, or a custom policy with minProtocolVersion TLSv1_2) (SOP 000 Identity Principles: HTTPS/TLS everywhere)`,
          );
      }),
    ],
  };
}
