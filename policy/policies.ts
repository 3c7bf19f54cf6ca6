import type {
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";

/**
 * The SOP rules as Pulumi policies, for one environment. The same functions run under
 * `pulumi preview|up --policy-pack policy` (index.ts hands them to a PolicyPack) and offline on a
 * plan (`npm run policy`, scripts/policy.ts). They read only what both give: the resource's type,
 * name, URN, inputs (`props`) and `opts.protect`. They import nothing from the program, so a change
 * to the program cannot weaken them: the thresholds below are the SOP's, written out here.
 */

export const ENVIRONMENTS = ["dev", "test", "uat", "staging", "prod"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];
const HIGHER: readonly Environment[] = ["uat", "staging", "prod"];
const isHigher = (env: Environment) => HIGHER.includes(env);

export function isEnvironment(value: unknown): value is Environment {
  return typeof value === "string" && (ENVIRONMENTS as readonly string[]).includes(value);
}

/** Log Analytics retention floor per environment (SOP 000 Audit & Logging: retain per env, prod >= 365d). */
export const LOG_RETENTION_DAYS: Record<Environment, number> = {
  dev: 30,
  test: 30,
  uat: 90,
  staging: 90,
  prod: 365,
};

/** Built-in roles that grant control over resources or access (fixed GUIDs in every Azure tenant). */
export const PRIVILEGED_ROLES: Record<string, string> = {
  "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
  "b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
  "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": "User Access Administrator",
  "f58310d9-a9f6-439a-9e8d-f62e7b41a168": "Role Based Access Control Administrator",
};

/** Resource types that hold state: protected (Pulumi `protect`) in uat, staging and prod. */
export const STATEFUL_TYPES: readonly string[] = [
  "azure-native:keyvault:Vault",
  "azure-native:storage:StorageAccount",
  "azure-native:dbforpostgresql:Server",
  "azure-native:dbforpostgresql:Database",
  "azure-native:operationalinsights:Workspace",
  "azure-native:applicationinsights:Component",
  "azure-native:resources:ResourceGroup",
  // Deleting an app registration or its service principal loses its ids (audience, role ids).
  "azuread:index/application:Application",
  "azuread:index/servicePrincipal:ServicePrincipal",
];

/** Services that are backplanes: never reachable from outside their environment. */
export const INTERNAL_SERVICES: readonly string[] = ["zep", "temporal", "temporal-ui"];

/** Environment variables that carry a credential (SOP 002 Required Secrets and their kind). */
export const SECRET_ENV = /(_API_KEY|_AI_KEY|PASSWORD|_PWD|SECRET|_TOKEN)$/;
/** How a secret value appears in a plan (the offline plan masks every secret so). */
const SECRET_MASK = "[secret]";

type Props = Record<string, unknown>;
const obj = (v: unknown): Props => (v !== null && typeof v === "object" ? (v as Props) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const show = (v: unknown) => (v === undefined ? "unset" : JSON.stringify(v));

/** A resource policy for one type: the callback runs only for resources of that type. */
function forType(
  type: string,
  check: (props: Props, args: ResourceValidationArgs, report: ReportViolation) => void,
): (args: ResourceValidationArgs, report: ReportViolation) => void {
  return (args, report) => {
    if (args.type === type) check(args.props as Props, args, report);
  };
}

function privilegedRoles(env: Environment): ResourceValidationPolicy {
  return {
    name: "privileged-roles",
    description:
      "No Owner, User Access Administrator or RBAC Administrator for anyone; no Contributor for a managed identity, nor outside dev/test.",
    enforcementLevel: "mandatory",
    validateResource: forType("azure-native:authorization:RoleAssignment", (p, _args, report) => {
      const guid = String(p.roleDefinitionId ?? "")
        .split("/")
        .pop()
        ?.toLowerCase();
      const role = PRIVILEGED_ROLES[guid ?? ""];
      if (!role) return;
      const sop = "(SOP 000 Identity Principles: least privilege + RBAC everywhere)";
      if (role !== "Contributor") report(`${role} is never assigned by this program ${sop}`);
      else if (p.principalType !== "Group")
        report(`Contributor is never assigned to a managed identity or user ${sop}`);
      else if (isHigher(env))
        report(`Contributor is allowed only to the Dev group in dev and test, not in ${env} ${sop}`);
    }),
  };
}

function roleAssignmentScope(): ResourceValidationPolicy {
  return {
    name: "role-assignment-scope",
    description:
      "Every role assignment names its principalType and a scope inside a resource group; a managed identity's scope is a single resource.",
    enforcementLevel: "mandatory",
    validateResource: forType("azure-native:authorization:RoleAssignment", (p, _args, report) => {
      const sop = "(SOP 000 Roles: Azure RBAC, scope MIs narrowly)";
      if (!["ServicePrincipal", "Group", "User"].includes(String(p.principalType)))
        report(`principalType is ${show(p.principalType)}, expected ServicePrincipal, Group or User ${sop}`);
      const scope = String(p.scope ?? "");
      const m = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+(\/providers\/.+)?$/i.exec(scope);
      if (!m) report(`scope ${show(p.scope)} is not inside a resource group ${sop}`);
      else if (p.principalType === "ServicePrincipal" && !m[1])
        report(
          `a managed identity is granted a role on a whole resource group (${scope}), not a resource ${sop}`,
        );
    }),
  };
}

function keyVault(env: Environment): ResourceValidationPolicy {
  return {
    name: "key-vault",
    description:
      "Key Vault: RBAC authorization, soft delete; purge protection and no public network access in uat, staging and prod.",
    enforcementLevel: "mandatory",
    validateResource: forType("azure-native:keyvault:Vault", (p, _args, report) => {
      const v = obj(p.properties);
      if (v.enableRbacAuthorization !== true)
        report(
          `enableRbacAuthorization is ${show(v.enableRbacAuthorization)}, must be true (SOP 000 Identity Principles: RBAC everywhere)`,
        );
      if (list(v.accessPolicies).length > 0)
        report(
          `has ${list(v.accessPolicies).length} access policies; access is by RBAC only (SOP 000 Identity Principles)`,
        );
      if (v.enableSoftDelete === false)
        report(
          "enableSoftDelete is false (SOP 000 Secrets & Key Management: enable soft-delete + purge protection)",
        );
      if (isHigher(env) && v.enablePurgeProtection !== true)
        report(
          `enablePurgeProtection is ${show(v.enablePurgeProtection)} in ${env}, must be true (SOP 000 Secrets & Key Management: enable soft-delete + purge protection)`,
        );
      if (isHigher(env) && v.publicNetworkAccess !== "Disabled")
        report(
          `publicNetworkAccess is ${show(v.publicNetworkAccess)} in ${env}, must be "Disabled" (SOP 000 Network Controls: private endpoints for Key Vault)`,
        );
    }),
  };
}

function storageAccount(env: Environment): ResourceValidationPolicy {
  return {
    name: "storage-account",
    description:
      "Storage: no public blobs or containers, TLS 1.2, HTTPS only; no shared keys and no public network access in uat, staging and prod.",
    enforcementLevel: "mandatory",
    validateResource: [
      forType("azure-native:storage:StorageAccount", (p, _args, report) => {
        if (p.allowBlobPublicAccess !== false)
          report(
            `allowBlobPublicAccess is ${show(p.allowBlobPublicAccess)}, must be false (SOP 000 Validation Checklist: Storage, no public containers)`,
          );
        if (p.minimumTlsVersion !== "TLS1_2")
          report(
            `minimumTlsVersion is ${show(p.minimumTlsVersion)}, must be "TLS1_2" (SOP 000 Identity Principles: strong transport, TLS everywhere)`,
          );
        // azure-native names ARM's supportsHttpsTrafficOnly enableHttpsTrafficOnly.
        if (p.enableHttpsTrafficOnly !== true)
          report(
            `enableHttpsTrafficOnly is ${show(p.enableHttpsTrafficOnly)}, must be true (SOP 000 Identity Principles: HTTPS/TLS everywhere)`,
          );
        if (isHigher(env) && p.allowSharedKeyAccess !== false)
          report(
            `allowSharedKeyAccess is ${show(p.allowSharedKeyAccess)} in ${env}, must be false (SOP 000 Environment Matrix: MI required, keys only in lower envs)`,
          );
        if (isHigher(env) && p.publicNetworkAccess !== "Disabled")
          report(
            `publicNetworkAccess is ${show(p.publicNetworkAccess)} in ${env}, must be "Disabled" (SOP 000 Network Controls: private endpoints for Storage)`,
          );
      }),
      forType("azure-native:storage:BlobContainer", (p, _args, report) => {
        if (p.publicAccess !== undefined && p.publicAccess !== "None")
          report(
            `publicAccess is ${show(p.publicAccess)}, must be "None" (SOP 000 Validation Checklist: Storage, no public containers)`,
          );
      }),
    ],
  };
}

/** The platform server (Zep, Temporal: no Entra login) is named `...-platform-...`; the rest is the application's. */
const isPlatformServer = (p: Props) => /-platform-/.test(String(p.serverName ?? p.name ?? ""));

function postgresServer(env: Environment): ResourceValidationPolicy {
  return {
    name: "postgres-server",
    description:
      "Postgres: Entra auth on, no firewall rule open to all of Azure; in uat, staging and prod no public network access, no firewall rule and no password auth on the application server.",
    enforcementLevel: "mandatory",
    validateResource: [
      forType("azure-native:dbforpostgresql:Server", (p, _args, report) => {
        const auth = obj(p.authConfig);
        if (auth.activeDirectoryAuth !== "Enabled")
          report(
            `authConfig.activeDirectoryAuth is ${show(auth.activeDirectoryAuth)}, must be "Enabled" (SOP 000 Validation Checklist: Postgres, MI-based connection)`,
          );
        if (isHigher(env) && !isPlatformServer(p) && auth.passwordAuth !== "Disabled")
          report(
            `authConfig.passwordAuth is ${show(auth.passwordAuth)} on the application server in ${env}, must be "Disabled" (SOP 000 Validation Checklist: password auth disabled)`,
          );
        if (isHigher(env) && obj(p.network).publicNetworkAccess !== "Disabled")
          report(
            `network.publicNetworkAccess is ${show(obj(p.network).publicNetworkAccess)} in ${env}, must be "Disabled" (SOP 000 Network Controls: private endpoints for Postgres)`,
          );
      }),
      forType("azure-native:dbforpostgresql:FirewallRule", (p, _args, report) => {
        const range = `${String(p.startIpAddress)}-${String(p.endIpAddress)}`;
        if (isHigher(env))
          report(
            `firewall rule ${range} in ${env}: the server is reached only through its private endpoint (SOP 000 Network Controls: private endpoints for Postgres)`,
          );
        else if (p.startIpAddress === "0.0.0.0")
          report(
            `firewall rule ${range} opens the server to all of Azure or the internet (SOP 000 Network Policy: lower env public only where necessary, restricted by IP allowlists)`,
          );
      }),
    ],
  };
}

function containerAppSecrets(): ResourceValidationPolicy {
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

function insecureIngress(): ResourceValidationPolicy {
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

function internalBackplanes(): ResourceValidationPolicy {
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

function corsOrigins(env: Environment): ResourceValidationPolicy {
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

function logRetention(env: Environment): ResourceValidationPolicy {
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

function temporalMtls(env: Environment): ResourceValidationPolicy {
  return {
    name: "temporal-mtls",
    description: "In prod the Temporal frontend requires client certificates (mTLS).",
    enforcementLevel: "mandatory",
    validateResource: forType("azure-native:app:ContainerApp", (p, _args, report) => {
      if (env !== "prod" || obj(p.tags).service !== "temporal") return;
      const vars = list(obj(p.template).containers)
        .map(obj)
        .flatMap((c) => list(c.env).map(obj));
      const required = vars.find((e) => e.name === "TEMPORAL_TLS_REQUIRE_CLIENT_AUTH")?.value;
      if (required !== "true")
        report(
          `TEMPORAL_TLS_REQUIRE_CLIENT_AUTH is ${show(required)} in prod, must be "true" (SOP 000 Environment Matrix: Prod, Temporal with mTLS)`,
        );
    }),
  };
}

function noLocalAuth(env: Environment): ResourceValidationPolicy {
  const sop =
    "(SOP 000 Environment Matrix: MI required in uat/staging, MI only in prod; keys only in lower envs)";
  return {
    name: "no-local-auth",
    description:
      "In uat, staging and prod Application Insights and Log Analytics accept Entra (managed identity) only.",
    enforcementLevel: "mandatory",
    validateResource: [
      forType("azure-native:applicationinsights:Component", (p, _args, report) => {
        if (isHigher(env) && p.disableLocalAuth !== true)
          report(`disableLocalAuth is ${show(p.disableLocalAuth)} in ${env}, must be true ${sop}`);
      }),
      forType("azure-native:operationalinsights:Workspace", (p, _args, report) => {
        const v = obj(p.features).disableLocalAuth;
        if (isHigher(env) && v !== true)
          report(`features.disableLocalAuth is ${show(v)} in ${env}, must be true ${sop}`);
      }),
    ],
  };
}

function peerEncryption(env: Environment): ResourceValidationPolicy {
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

function protectStateful(env: Environment): ResourceValidationPolicy {
  return {
    name: "protect-stateful",
    description:
      "Stateful resources (vault, storage, Postgres, logs) carry Pulumi protect in uat, staging and prod.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
      if (isHigher(env) && STATEFUL_TYPES.includes(args.type) && args.opts.protect !== true)
        report(
          `${args.type} holds state and is not protected in ${env} (SOP 000 Change Control: no ad-hoc changes in prod)`,
        );
    },
  };
}

/** The Azure type and name segment a private endpoint's privateLinkServiceId ends with, per resource type. */
const PRIVATE_LINK_TARGETS: Record<string, { segment: string; nameProp: string }> = {
  "azure-native:keyvault:Vault": { segment: "vaults", nameProp: "vaultName" },
  "azure-native:storage:StorageAccount": { segment: "storageAccounts", nameProp: "accountName" },
  "azure-native:dbforpostgresql:Server": { segment: "flexibleServers", nameProp: "serverName" },
};

function privateEndpoints(env: Environment): StackValidationPolicy {
  return {
    name: "private-endpoints",
    description:
      "In uat, staging and prod every Key Vault, Storage account and Postgres server has a private endpoint.",
    enforcementLevel: "mandatory",
    validateStack: (args: StackValidationArgs, report) => {
      if (!isHigher(env)) return;
      const linked = new Set(
        args.resources
          .filter((r) => r.type === "azure-native:network:PrivateEndpoint")
          .flatMap((r) => list(r.props.privateLinkServiceConnections).map((c) => obj(c).privateLinkServiceId))
          .map((id) => String(id).split("/").slice(-2).join("/").toLowerCase()),
      );
      for (const r of args.resources) {
        const target = PRIVATE_LINK_TARGETS[r.type];
        if (!target) continue;
        const name = String(r.props[target.nameProp] ?? r.props.name ?? "");
        if (!linked.has(`${target.segment}/${name}`.toLowerCase()))
          report(
            `${r.name} (${r.type}) has no private endpoint in ${env} (SOP 000 Network Controls: private endpoints for Postgres, Storage, Key Vault)`,
            r.urn,
          );
      }
    },
  };
}

/** Every policy of the pack for one environment, all mandatory. */
/** TLS policies of Application Gateway that allow nothing below TLS 1.2 (Microsoft's predefined ones). */
export const TLS12_GATEWAY_POLICIES: readonly string[] = [
  "AppGwSslPolicy20220101",
  "AppGwSslPolicy20220101S",
];

function wafPrevention(env: Environment): ResourceValidationPolicy {
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

function entraApps(): ResourceValidationPolicy {
  return {
    name: "entra-app-flows",
    description:
      "Entra app registrations issue no tokens through the implicit grant and are not public clients (SOP 001: authorization code with PKCE for the SPA, bearer tokens for the API).",
    enforcementLevel: "mandatory",
    validateResource: forType("azuread:index/application:Application", (p, _args, report) => {
      const implicit = obj(obj(p.web).implicitGrant);
      for (const flag of ["accessTokenIssuanceEnabled", "idTokenIssuanceEnabled"])
        if (implicit[flag] !== false)
          report(
            `web.implicitGrant.${flag} is ${show(implicit[flag])}, must be false: tokens never travel in the URL (SOP 001 Security Best Practices: no implicit flow)`,
          );
      if (p.fallbackPublicClientEnabled !== false)
        report(
          `fallbackPublicClientEnabled is ${show(p.fallbackPublicClientEnabled)}, must be false (SOP 001 Security Best Practices: confidential API, PKCE SPA)`,
        );
    }),
  };
}

/** Postgres server parameters that keep transport encrypted, with the values they must have. */
export const POSTGRES_TLS_PARAMETERS: Record<string, readonly string[]> = {
  require_secure_transport: ["on"],
  ssl_min_protocol_version: ["tlsv1.2", "tlsv1.3"],
};

function postgresTls(): ResourceValidationPolicy {
  return {
    name: "postgres-tls",
    description:
      "Every Postgres server requires TLS, 1.2 or later (SOP 000 Identity Principles: TLS everywhere).",
    enforcementLevel: "mandatory",
    validateResource: forType("azure-native:dbforpostgresql:Configuration", (p, _args, report) => {
      const allowed = POSTGRES_TLS_PARAMETERS[String(p.configurationName)];
      if (allowed && !allowed.includes(String(p.value).toLowerCase()))
        report(
          `${String(p.configurationName)} is ${show(p.value)}, must be ${allowed.map((v) => JSON.stringify(v)).join(" or ")} (SOP 000 Identity Principles: TLS everywhere)`,
        );
    }),
  };
}

export function engramPolicies(env: Environment): (ResourceValidationPolicy | StackValidationPolicy)[] {
  return [
    privilegedRoles(env),
    roleAssignmentScope(),
    keyVault(env),
    storageAccount(env),
    postgresServer(env),
    containerAppSecrets(),
    insecureIngress(),
    internalBackplanes(),
    corsOrigins(env),
    noLocalAuth(env),
    peerEncryption(env),
    temporalMtls(env),
    logRetention(env),
    protectStateful(env),
    privateEndpoints(env),
    wafPrevention(env),
    entraApps(),
    postgresTls(),
  ];
}

/**
 * The stack's environment from its config as Pulumi hands it to a policy pack (the PULUMI_CONFIG
 * environment variable, a JSON object of full keys). Throws with one line when it is missing: the
 * pack cannot choose the rules without it.
 */
export function environmentFromConfig(configJson: string | undefined): Environment {
  let config: Record<string, unknown> = {};
  try {
    config = obj(JSON.parse(configJson ?? "{}"));
  } catch {
    throw new Error("engram policy pack: PULUMI_CONFIG is not JSON; run the pack through pulumi preview/up");
  }
  const env = config["engram:environment"];
  if (!isEnvironment(env))
    throw new Error(
      `engram policy pack: engram:environment is ${show(env)}, expected one of ${ENVIRONMENTS.join(", ")}`,
    );
  return env;
}

/** A resource as a stack policy sees it (exported for the offline runner). */
export type { PolicyResource };
