import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import type { PreviewJson } from "../scripts/offline/plan";
import { checkPlan } from "../scripts/offline/policy-check";
import { engramPolicies, environmentFromConfig, PRIVILEGED_ROLES } from "../policy/policies";
import { BUILT_IN_ROLES, FORBIDDEN_ROLES } from "../lib/roles";
import { main } from "../scripts/policy";
import { runMain, runMainFailingStdout } from "./helpers/cli";
import { ENVIRONMENTS } from "./helpers/plan";
import { committed, inputs, Json, Step, step } from "./helpers/plan-copies";

/**
 * The policy pack (policy/) on the offline plans: every committed plan passes, and each policy,
 * given a committed staging or prod plan broken in one way, fires alone and names the resource.
 * The runner (`npm run policy`): its `main` in this process for what a user sees (policyInProcess,
 * the same lines and exit code); a real process (policyCli) once per kind of outcome, to prove the
 * wiring (exit code, which stream) end to end: exit 0 on committed plans, exit 1 on violations,
 * exit 2 on a wrong command line ([]), exit 2 on a file that cannot be read (no-such-plan.json).
 * An internal error has no trigger from outside and is proved in process.
 */

const ROOT = path.resolve(__dirname, "..");
let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "engram-policy-"));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** The first container of a Deployment in a plan copy, to read or change in place. */
const containerOf = (p: PreviewJson, name: string): Json =>
  (((inputs(p, name).spec as Json).template as Json).spec as { containers: Json[] }).containers[0];

async function violations(plan: PreviewJson): Promise<string[][]> {
  return (await checkPlan(plan)).map((v) => [v.policy, v.resource, v.message]);
}

function policyCli(...args: string[]) {
  const r = spawnSync(process.execPath, ["scripts/run-ts.js", "scripts/policy.ts", ...args], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The runner's main in this process (tests/helpers/cli.ts). */
const policyInProcess = (...args: string[]) => runMain(main, args);

const OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";

describe("the policy pack on the committed plans", () => {
  it.each(ENVIRONMENTS)("GIVEN the committed %s plan THEN no policy is violated", async (stack) => {
    expect(await violations(await committed(stack))).toEqual([]);
  });

  it("GIVEN the pack THEN it has these policies, every one mandatory", () => {
    const policies = engramPolicies("prod");
    expect(policies.map((p) => p.name)).toEqual([
      "privileged-roles",
      "role-assignment-scope",
      "key-vault",
      "storage-account",
      "postgres-server",
      "container-app-secrets",
      "no-insecure-ingress",
      "internal-backplanes",
      "cors-origins",
      "no-local-auth",
      "peer-encryption",
      "temporal-mtls",
      "log-retention",
      "protect-stateful",
      "private-endpoints",
      "waf-prevention",
      "entra-app-flows",
      "postgres-tls",
      "aks-cluster",
      "k8s-pod-security",
      "k8s-no-secret-objects",
      "k8s-internal-services",
      "k8s-default-deny",
      "runtime-by-environment",
    ]);
    expect(policies.map((p) => p.enforcementLevel)).toEqual(policies.map(() => "mandatory"));
  });

  it("GIVEN the pack's privileged roles THEN they are the program's forbidden roles plus Contributor, by GUID", () => {
    expect(PRIVILEGED_ROLES).toEqual({
      [FORBIDDEN_ROLES.Owner]: "Owner",
      [BUILT_IN_ROLES.Contributor]: "Contributor",
      [FORBIDDEN_ROLES["User Access Administrator"]]: "User Access Administrator",
      [FORBIDDEN_ROLES["Role Based Access Control Administrator"]]: "Role Based Access Control Administrator",
    });
  });
});

describe("each policy on a committed plan broken in one way", () => {
  const cases: [string, string, (p: PreviewJson) => void, string[]][] = [
    [
      "prod: a managed identity granted Owner",
      "prod",
      (p) =>
        (inputs(p, "backend-acrpull-acr").roleDefinitionId =
          `/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/roleDefinitions/${OWNER}`),
      [
        "privileged-roles",
        "backend-acrpull-acr",
        "Owner is never assigned by this program (SOP 000 Identity Principles: least privilege + RBAC everywhere)",
      ],
    ],
    [
      "staging: a group granted Contributor on the resource group",
      "staging",
      (p) =>
        (inputs(p, "group-sre-reader-rg").roleDefinitionId =
          "/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c"),
      [
        "privileged-roles",
        "group-sre-reader-rg",
        "Contributor is allowed only to the Dev group in dev and test, not in staging (SOP 000 Identity Principles: least privilege + RBAC everywhere)",
      ],
    ],
    [
      "staging: a managed identity granted a role on the resource group",
      "staging",
      (p) =>
        (inputs(p, "worker-monitoring-metrics-publisher-appi").scope =
          "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-engram-staging"),
      [
        "role-assignment-scope",
        "worker-monitoring-metrics-publisher-appi",
        "a managed identity is granted a role on a whole resource group (/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-engram-staging), not a resource (SOP 000 Roles: Azure RBAC, scope MIs narrowly)",
      ],
    ],
    [
      "prod: a role assignment without principalType",
      "prod",
      (p) => delete inputs(p, "backend-monitoring-reader-appi").principalType,
      [
        "role-assignment-scope",
        "backend-monitoring-reader-appi",
        "principalType is unset, expected ServicePrincipal, Group or User (SOP 000 Roles: Azure RBAC, scope MIs narrowly)",
      ],
    ],
    [
      "prod: Key Vault purge protection off",
      "prod",
      (p) => (inputs(p, "kv-kv").properties.enablePurgeProtection = false),
      [
        "key-vault",
        "kv-kv",
        "enablePurgeProtection is false in prod, must be true (SOP 000 Secrets & Key Management: enable soft-delete + purge protection)",
      ],
    ],
    [
      "staging: Key Vault open to the internet",
      "staging",
      (p) => (inputs(p, "kv-kv").properties.publicNetworkAccess = "Enabled"),
      [
        "key-vault",
        "kv-kv",
        'publicNetworkAccess is "Enabled" in staging, must be "Disabled" (SOP 000 Network Controls: private endpoints for Key Vault)',
      ],
    ],
    [
      "staging: public blobs allowed",
      "staging",
      (p) => (inputs(p, "storage-st").allowBlobPublicAccess = true),
      [
        "storage-account",
        "storage-st",
        "allowBlobPublicAccess is true, must be false (SOP 000 Validation Checklist: Storage, no public containers)",
      ],
    ],
    [
      "prod: Storage shared keys on",
      "prod",
      (p) => (inputs(p, "storage-st").allowSharedKeyAccess = true),
      [
        "storage-account",
        "storage-st",
        "allowSharedKeyAccess is true in prod, must be false (SOP 000 Environment Matrix: MI required, keys only in lower envs)",
      ],
    ],
    [
      "prod: password auth on the application database",
      "prod",
      (p) => (inputs(p, "psql-psql").authConfig.passwordAuth = "Enabled"),
      [
        "postgres-server",
        "psql-psql",
        'authConfig.passwordAuth is "Enabled" on the application server in prod, must be "Disabled" (SOP 000 Validation Checklist: password auth disabled)',
      ],
    ],
    [
      "staging: the platform Postgres server public",
      "staging",
      (p) => (inputs(p, "psql-platform-psql").network.publicNetworkAccess = "Enabled"),
      [
        "postgres-server",
        "psql-platform-psql",
        'network.publicNetworkAccess is "Enabled" in staging, must be "Disabled" (SOP 000 Network Controls: private endpoints for Postgres)',
      ],
    ],
    [
      "staging: a secret environment variable set as a value",
      "staging",
      (p) => {
        const env = (inputs(p, "backend-app").template.containers[0].env as Json[]).find(
          (e) => e.name === "ZEP_API_KEY",
        ) as Json;
        delete env.secretRef;
        env.value = "[secret]";
      },
      [
        "container-app-secrets",
        "backend-app",
        'container "main" sets "ZEP_API_KEY" as a plain value, not through secretRef (SOP 002: reference secrets using secretRef)',
      ],
    ],
    [
      "staging: a Container App secret stored as a value",
      "staging",
      (p) => {
        const secret = (inputs(p, "worker-app").configuration.secrets as Json[])[0];
        delete secret.keyVaultUrl;
        secret.value = "[secret]";
      },
      [
        "container-app-secrets",
        "worker-app",
        'secret "azure-ai-key" is not a Key Vault reference (keyVaultUrl); values are never stored in the app (SOP 002: Container Apps reference Key Vault secrets)',
      ],
    ],
    [
      "staging: a Key Vault reference resolved by another app's identity",
      "staging",
      (p) =>
        ((inputs(p, "zep-app").configuration.secrets as Json[])[0].identity = (
          inputs(p, "backend-app").identity.userAssignedIdentities as string[]
        )[0]),
      [
        "container-app-secrets",
        "zep-app",
        'secret "azure-ai-key" is resolved by identity "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-engram-staging/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-engram-staging-backend", not one of the app\'s managed identities (SOP 002: Managed Identity for Key Vault access)',
      ],
    ],
    [
      "staging: plain HTTP accepted",
      "staging",
      (p) => (inputs(p, "backend-app").configuration.ingress.allowInsecure = true),
      [
        "no-insecure-ingress",
        "backend-app",
        "ingress.allowInsecure is true (SOP 000 Identity Principles: HTTPS/TLS everywhere)",
      ],
    ],
    [
      "uat: Zep external",
      "uat",
      (p) => (inputs(p, "zep-app").configuration.ingress.external = true),
      [
        "internal-backplanes",
        "zep-app",
        "zep has ingress.external true, must be false (SOP 000 Network Controls: internal ingress for Zep/Temporal server)",
      ],
    ],
    [
      "staging: Temporal external",
      "staging",
      (p) => (inputs(p, "temporal-app").configuration.ingress.external = true),
      [
        "internal-backplanes",
        "temporal-app",
        "temporal has ingress.external true, must be false (SOP 000 Network Controls: internal ingress for Zep/Temporal server)",
      ],
    ],
    [
      "staging: a wildcard CORS origin",
      "staging",
      (p) => (inputs(p, "backend-app").configuration.ingress.corsPolicy.allowedOrigins as string[]).push("*"),
      ["cors-origins", "backend-app", 'CORS origin "*" is a wildcard (SOP 001 CORS: no wildcards)'],
    ],
    [
      "uat: localhost in CORS_ORIGINS",
      "uat",
      (p) => {
        const env = (inputs(p, "backend-app").template.containers[0].env as Json[]).find(
          (e) => e.name === "CORS_ORIGINS",
        ) as Json;
        env.value = `${env.value as string},http://localhost:3000`;
      },
      [
        "cors-origins",
        "backend-app",
        'CORS origin "http://localhost:3000" in uat: only the environment\'s https frontends (SOP 001 CORS: Staging/UAT restrict to env frontends; Prod no wildcards)',
      ],
    ],
    [
      "staging: the data container made public",
      "staging",
      (p) => (inputs(p, "storage-container").publicAccess = "Container"),
      [
        "storage-account",
        "storage-container",
        'publicAccess is "Container", must be "None" (SOP 000 Validation Checklist: Storage, no public containers)',
      ],
    ],
    [
      "prod: a Postgres firewall rule for the whole internet",
      "prod",
      (p) => {
        const rule = JSON.parse(JSON.stringify(step(p, "storage-container"))) as Step;
        rule.urn = rule.urn.replace(
          /storage:BlobContainer::storage-container$/,
          "dbforpostgresql:FirewallRule::psql-anyone",
        );
        rule.newState.urn = rule.urn;
        rule.newState.type = "azure-native:dbforpostgresql:FirewallRule";
        rule.newState.inputs = {
          startIpAddress: "0.0.0.0",
          endIpAddress: "255.255.255.255",
          serverName: "psql-engram-prod",
        };
        p.steps.push(rule);
      },
      [
        "postgres-server",
        "psql-anyone",
        "firewall rule 0.0.0.0-255.255.255.255 in prod: the server is reached only through its private endpoint (SOP 000 Network Controls: private endpoints for Postgres)",
      ],
    ],
    [
      "staging: the Temporal UI external",
      "staging",
      (p) => (inputs(p, "temporal-ui-app").configuration.ingress.external = true),
      [
        "internal-backplanes",
        "temporal-ui-app",
        "temporal-ui has ingress.external true, must be false (SOP 000 Network Controls: internal ingress for Zep/Temporal server)",
      ],
    ],
    [
      "prod: Application Insights local auth on",
      "prod",
      (p) => (inputs(p, "observability-appi").disableLocalAuth = false),
      [
        "no-local-auth",
        "observability-appi",
        "disableLocalAuth is false in prod, must be true (SOP 000 Environment Matrix: MI required in uat/staging, MI only in prod; keys only in lower envs)",
      ],
    ],
    [
      "staging: Log Analytics local auth on",
      "staging",
      (p) => (inputs(p, "observability-log").features.disableLocalAuth = false),
      [
        "no-local-auth",
        "observability-log",
        "features.disableLocalAuth is false in staging, must be true (SOP 000 Environment Matrix: MI required in uat/staging, MI only in prod; keys only in lower envs)",
      ],
    ],
    [
      "staging: peer traffic between apps unencrypted",
      "staging",
      (p) => (inputs(p, "aca-env").peerTrafficConfiguration.encryption.enabled = false),
      [
        "peer-encryption",
        "aca-env",
        "peerTrafficConfiguration.encryption.enabled is false in staging, must be true (SOP 000 Identity Principles: mTLS where supported)",
      ],
    ],
    [
      "prod: Temporal without client certificates",
      "prod",
      (p) =>
        ((containerOf(p, "aks-temporal-deployment").env as Json[]).find(
          (e) => e.name === "TEMPORAL_TLS_REQUIRE_CLIENT_AUTH",
        )!.value = "false"),
      [
        "temporal-mtls",
        "aks-temporal-deployment",
        'TEMPORAL_TLS_REQUIRE_CLIENT_AUTH is "false" in prod, must be "true" (SOP 000 Environment Matrix: Prod, Temporal with mTLS)',
      ],
    ],
    [
      "prod: the AKS API server given a public FQDN",
      "prod",
      (p) => (inputs(p, "aks-aks").apiServerAccessProfile.enablePrivateClusterPublicFQDN = true),
      [
        "aks-cluster",
        "aks-aks",
        "apiServerAccessProfile.enablePrivateClusterPublicFQDN is true, must be false (SOP 000: AKS private cluster)",
      ],
    ],
    [
      "prod: a node pool reachable over SSH",
      "prod",
      (p) =>
        ((inputs(p, "aks-aks").agentPoolProfiles as Json[])[1].securityProfile = { sshAccess: "LocalUser" }),
      [
        "aks-cluster",
        "aks-aks",
        'node pool "user": securityProfile.sshAccess is "LocalUser", must be "Disabled"',
      ],
    ],
    [
      "prod: Zep's container allowed to escalate privileges",
      "prod",
      (p) => ((containerOf(p, "aks-zep-deployment").securityContext as Json).allowPrivilegeEscalation = true),
      [
        "k8s-pod-security",
        "aks-zep-deployment",
        'container "main": allowPrivilegeEscalation is true, must be false',
      ],
    ],
    [
      "prod: the worker's Zep key as a plain env value",
      "prod",
      (p) => {
        const env = (containerOf(p, "aks-worker-deployment").env as Json[]).find(
          (e) => e.name === "ZEP_API_KEY",
        ) as Json;
        delete env.valueFrom;
        env.value = "[secret]";
      },
      [
        "k8s-pod-security",
        "aks-worker-deployment",
        'container "main": env var "ZEP_API_KEY" has a value in the request; secrets come from Key Vault through the CSI driver (SOP 002)',
      ],
    ],
    [
      "prod: a Kubernetes Secret in the program",
      "prod",
      (p) => {
        const sa = step(p, "aks-backend-sa");
        const copy = JSON.parse(JSON.stringify(sa)) as Step;
        copy.urn = sa.urn.replace(/ServiceAccount::aks-backend-sa$/, "Secret::aks-backend-secret");
        copy.newState.urn = copy.urn;
        copy.newState.type = "kubernetes:core/v1:Secret";
        copy.newState.inputs = {
          apiVersion: "v1",
          kind: "Secret",
          metadata: { name: "backend", namespace: "engram" },
        };
        p.steps.push(copy);
      },
      [
        "k8s-no-secret-objects",
        "aks-backend-secret",
        "a Kubernetes Secret in the program; secrets come from Key Vault through the CSI driver (SOP 002)",
      ],
    ],
    [
      "prod: the backend on a public load balancer",
      "prod",
      (p) =>
        delete inputs(p, "aks-backend-service").metadata.annotations[
          "service.beta.kubernetes.io/azure-load-balancer-internal"
        ],
      [
        "k8s-internal-services",
        "aks-backend-service",
        'Service "backend" is a public load balancer; only an internal one behind the WAF is allowed (SOP 000 Network Controls: API public via WAF in prod)',
      ],
    ],
    [
      "prod: the namespace's default-deny policy gone",
      "prod",
      (p) => (p.steps = p.steps.filter((s) => !s.urn.endsWith("::aks-network-policies-default-deny"))),
      [
        "k8s-default-deny",
        "prod",
        'namespace "engram" has workloads but no default-deny NetworkPolicy (SOP 000: Network policies in AKS: default deny)',
      ],
    ],
    [
      "prod: the cluster gone",
      "prod",
      (p) => (p.steps = p.steps.filter((s) => !s.urn.endsWith("::aks-aks"))),
      ["runtime-by-environment", "prod", "prod has no AKS cluster (SOP 000 Environment Matrix: prod (AKS))"],
    ],
    [
      "prod: the API app registration not protected",
      "prod",
      (p) => (step(p, "entra-api-app").newState.protect = false),
      [
        "protect-stateful",
        "entra-api-app",
        "azuread:index/application:Application holds state and is not protected in prod (SOP 000 Change Control: no ad-hoc changes in prod)",
      ],
    ],
    [
      "prod: 90 days of logs",
      "prod",
      (p) => (inputs(p, "observability-log").retentionInDays = 90),
      [
        "log-retention",
        "observability-log",
        "retentionInDays is 90, at least 365 in prod (SOP 000 Audit & Logging: retain per env, prod >= 365d)",
      ],
    ],
    [
      "prod: the storage account not protected",
      "prod",
      (p) => (step(p, "storage-st").newState.protect = false),
      [
        "protect-stateful",
        "storage-st",
        "azure-native:storage:StorageAccount holds state and is not protected in prod (SOP 000 Change Control: no ad-hoc changes in prod)",
      ],
    ],
    [
      "prod: the Key Vault's private endpoint gone",
      "prod",
      (p) => (p.steps = p.steps.filter((s) => !s.urn.endsWith("::private-endpoints-vault-pe"))),
      [
        "private-endpoints",
        "kv-kv",
        "kv-kv (azure-native:keyvault:Vault) has no private endpoint in prod (SOP 000 Network Controls: private endpoints for Postgres, Storage, Key Vault)",
      ],
    ],
    [
      "staging: the platform Postgres endpoint aimed at the application server",
      "staging",
      (p) => {
        const c = (
          inputs(p, "private-endpoints-psql-platform-pe").privateLinkServiceConnections as Json[]
        )[0];
        c.privateLinkServiceId = (
          inputs(p, "private-endpoints-psql-app-pe").privateLinkServiceConnections as Json[]
        )[0].privateLinkServiceId;
      },
      [
        "private-endpoints",
        "psql-platform-psql",
        "psql-platform-psql (azure-native:dbforpostgresql:Server) has no private endpoint in staging (SOP 000 Network Controls: private endpoints for Postgres, Storage, Key Vault)",
      ],
    ],
    [
      "prod: the WAF only detecting",
      "prod",
      (p) => (inputs(p, "waf-policy").policySettings.mode = "Detection"),
      [
        "waf-prevention",
        "waf-policy",
        'policySettings.mode is "Detection" in prod, must be "Prevention": Detection only logs attacks (SOP 000 Network Controls: API public via WAF/APIM in prod)',
      ],
    ],
    [
      "staging: the WAF without Microsoft's Default Rule Set",
      "staging",
      (p) =>
        (inputs(p, "waf-policy").managedRules.managedRuleSets = [
          { ruleSetType: "Microsoft_BotManagerRuleSet", ruleSetVersion: "1.1" },
        ]),
      [
        "waf-prevention",
        "waf-policy",
        'managedRules runs ["Microsoft_BotManagerRuleSet"], must include Microsoft_DefaultRuleSet (SOP 000 Network Controls: API public via WAF/APIM in prod)',
      ],
    ],
    [
      "prod: the gateway's TLS policy allowing TLS 1.0",
      "prod",
      (p) =>
        (inputs(p, "waf-agw").sslPolicy = { policyType: "Predefined", policyName: "AppGwSslPolicy20150501" }),
      [
        "waf-prevention",
        "waf-agw",
        'sslPolicy is {"policyType":"Predefined","policyName":"AppGwSslPolicy20150501"}, must allow TLS 1.2 or later only (AppGwSslPolicy20220101 or AppGwSslPolicy20220101S, or a custom policy with minProtocolVersion TLSv1_2) (SOP 000 Identity Principles: HTTPS/TLS everywhere)',
      ],
    ],
    [
      "prod: the API registration issuing access tokens by the implicit grant",
      "prod",
      (p) => (inputs(p, "entra-api-app").web.implicitGrant.accessTokenIssuanceEnabled = true),
      [
        "entra-app-flows",
        "entra-api-app",
        "web.implicitGrant.accessTokenIssuanceEnabled is true, must be false: tokens never travel in the URL (SOP 001 Security Best Practices: no implicit flow)",
      ],
    ],
    [
      "staging: the SPA registration a public client",
      "staging",
      (p) => (inputs(p, "entra-spa-app").fallbackPublicClientEnabled = true),
      [
        "entra-app-flows",
        "entra-spa-app",
        "fallbackPublicClientEnabled is true, must be false (SOP 001 Security Best Practices: confidential API, PKCE SPA)",
      ],
    ],
    [
      "prod: the platform Postgres server accepting plain connections",
      "prod",
      (p) => (inputs(p, "psql-platform-require-secure-transport").value = "OFF"),
      [
        "postgres-tls",
        "psql-platform-require-secure-transport",
        'require_secure_transport is "OFF", must be "on" (SOP 000 Identity Principles: TLS everywhere)',
      ],
    ],
    [
      "staging: Postgres accepting TLS 1.1",
      "staging",
      (p) => (inputs(p, "psql-ssl-min-protocol-version").value = "TLSv1.1"),
      [
        "postgres-tls",
        "psql-ssl-min-protocol-version",
        'ssl_min_protocol_version is "TLSv1.1", must be "tlsv1.2" or "tlsv1.3" (SOP 000 Identity Principles: TLS everywhere)',
      ],
    ],
    [
      "prod: storage without HTTPS-only stated",
      "prod",
      (p) => delete inputs(p, "storage-st").enableHttpsTrafficOnly,
      [
        "storage-account",
        "storage-st",
        "enableHttpsTrafficOnly is unset, must be true (SOP 000 Identity Principles: HTTPS/TLS everywhere)",
      ],
    ],
    [
      "prod: the AKS API server public",
      "prod",
      (p) => (inputs(p, "aks-aks").apiServerAccessProfile.enablePrivateCluster = false),
      [
        "aks-cluster",
        "aks-aks",
        "apiServerAccessProfile.enablePrivateCluster is false, must be true (SOP 000: AKS private cluster)",
      ],
    ],
    [
      "prod: the cluster's local accounts on",
      "prod",
      (p) => (inputs(p, "aks-aks").disableLocalAccounts = false),
      [
        "aks-cluster",
        "aks-aks",
        "disableLocalAccounts is false, must be true (SOP 000 Identity Principles: Entra ID only)",
      ],
    ],
    [
      "prod: the cluster without Azure RBAC",
      "prod",
      (p) => (inputs(p, "aks-aks").aadProfile.enableAzureRBAC = false),
      [
        "aks-cluster",
        "aks-aks",
        "aadProfile.enableAzureRBAC is false, must be true (SOP 000: RBAC everywhere)",
      ],
    ],
    [
      "prod: the cluster without an OIDC issuer",
      "prod",
      (p) => (inputs(p, "aks-aks").oidcIssuerProfile.enabled = false),
      [
        "aks-cluster",
        "aks-aks",
        "oidcIssuerProfile.enabled is false, must be true (SOP 000: workload identity)",
      ],
    ],
    [
      "prod: the cluster without workload identity",
      "prod",
      (p) => (inputs(p, "aks-aks").securityProfile.workloadIdentity.enabled = false),
      [
        "aks-cluster",
        "aks-aks",
        "securityProfile.workloadIdentity.enabled is false, must be true (SOP 000: workload identity with federated service accounts)",
      ],
    ],
    [
      "prod: the cluster without Defender",
      "prod",
      (p) => delete inputs(p, "aks-aks").securityProfile.defender,
      [
        "aks-cluster",
        "aks-aks",
        "securityProfile.defender.securityMonitoring.enabled is unset, must be true (SOP 000 Logging & Monitoring: runtime threat detection)",
      ],
    ],
    [
      "prod: the cluster without the Azure Policy add-on",
      "prod",
      (p) => (inputs(p, "aks-aks").addonProfiles.azurepolicy.enabled = false),
      [
        "aks-cluster",
        "aks-aks",
        "addonProfiles.azurepolicy.enabled is false, must be true (Azure Policy add-on)",
      ],
    ],
    [
      "prod: the cluster without a network policy engine",
      "prod",
      (p) => (inputs(p, "aks-aks").networkProfile.networkPolicy = "none"),
      [
        "aks-cluster",
        "aks-aks",
        'networkProfile.networkPolicy is "none", must name an engine (SOP 000: Network policies in AKS)',
      ],
    ],
    [
      "prod: a node pool without encryption at host",
      "prod",
      (p) => ((inputs(p, "aks-aks").agentPoolProfiles as Json[])[0].enableEncryptionAtHost = false),
      ["aks-cluster", "aks-aks", 'node pool "system": enableEncryptionAtHost is false, must be true'],
    ],
    [
      "prod: a node pool with public IPs",
      "prod",
      (p) => ((inputs(p, "aks-aks").agentPoolProfiles as Json[])[1].enableNodePublicIP = true),
      ["aks-cluster", "aks-aks", 'node pool "user": enableNodePublicIP is true, must be false'],
    ],
    [
      "prod: Zep's pod on the host network",
      "prod",
      (p) => (((inputs(p, "aks-zep-deployment").spec as Json).template as Json).spec.hostNetwork = true),
      ["k8s-pod-security", "aks-zep-deployment", "hostNetwork is true (Pod Security restricted)"],
    ],
    [
      "prod: Zep's container allowed to run as root",
      "prod",
      (p) => ((containerOf(p, "aks-zep-deployment").securityContext as Json).runAsNonRoot = false),
      ["k8s-pod-security", "aks-zep-deployment", 'container "main": runAsNonRoot is false, must be true'],
    ],
    [
      "prod: the backend's container privileged",
      "prod",
      (p) => ((containerOf(p, "aks-backend-deployment").securityContext as Json).privileged = true),
      ["k8s-pod-security", "aks-backend-deployment", 'container "main": privileged is true'],
    ],
    [
      "prod: the worker's container keeping its capabilities",
      "prod",
      (p) => ((containerOf(p, "aks-worker-deployment").securityContext as Json).capabilities = { drop: [] }),
      ["k8s-pod-security", "aks-worker-deployment", 'container "main": capabilities.drop must include "ALL"'],
    ],
    [
      "prod: Temporal's container without a seccomp profile",
      "prod",
      (p) =>
        ((containerOf(p, "aks-temporal-deployment").securityContext as Json).seccompProfile = {
          type: "Unconfined",
        }),
      [
        "k8s-pod-security",
        "aks-temporal-deployment",
        'container "main": seccompProfile.type is "Unconfined", must be "RuntimeDefault"',
      ],
    ],
    [
      "prod: the Temporal UI without a memory limit",
      "prod",
      (p) => delete (containerOf(p, "aks-temporal-ui-deployment").resources as Json).limits.memory,
      [
        "k8s-pod-security",
        "aks-temporal-ui-deployment",
        'container "main": resources.limits.memory is unset',
      ],
    ],
    [
      "prod: Zep's image by tag only",
      "prod",
      (p) =>
        (containerOf(p, "aks-zep-deployment").image = "crengramshared.azurecr.io/mirror/getzep/zep:0.27.2"),
      [
        "k8s-pod-security",
        "aks-zep-deployment",
        'container "main": image "crengramshared.azurecr.io/mirror/getzep/zep:0.27.2" is not pinned by digest in prod',
      ],
    ],
    [
      "prod: the backend on a NodePort",
      "prod",
      (p) => (inputs(p, "aks-backend-service").spec.type = "NodePort"),
      [
        "k8s-internal-services",
        "aks-backend-service",
        'Service "backend" is a NodePort (SOP 000 Network Controls)',
      ],
    ],
    [
      "prod: Zep on an internal load balancer",
      "prod",
      (p) => {
        const zep = inputs(p, "aks-zep-service");
        zep.spec.type = "LoadBalancer";
        zep.metadata.annotations = { "service.beta.kubernetes.io/azure-load-balancer-internal": "true" };
      },
      [
        "k8s-internal-services",
        "aks-zep-service",
        'Service "zep" is "LoadBalancer", must be ClusterIP (SOP 000: Zep internal-only, Temporal server internal)',
      ],
    ],
    [
      "prod: the default-deny policy letting egress out",
      "prod",
      (p) => (inputs(p, "aks-network-policies-default-deny").spec.egress = [{}]),
      [
        "k8s-default-deny",
        "prod",
        'namespace "engram" has workloads but no default-deny NetworkPolicy (SOP 000: Network policies in AKS: default deny)',
      ],
    ],
    [
      "prod: the default-deny policy selecting some pods only",
      "prod",
      (p) =>
        (inputs(p, "aks-network-policies-default-deny").spec.podSelector = {
          matchLabels: { "app.kubernetes.io/name": "zep" },
        }),
      [
        "k8s-default-deny",
        "prod",
        'namespace "engram" has workloads but no default-deny NetworkPolicy (SOP 000: Network policies in AKS: default deny)',
      ],
    ],
    [
      "prod: the namespace only warning about Pod Security",
      "prod",
      (p) =>
        (inputs(p, "aks-namespace-ns").metadata.labels["pod-security.kubernetes.io/enforce"] = "baseline"),
      [
        "k8s-default-deny",
        "prod",
        'namespace "engram" does not enforce Pod Security "restricted" (SOP 000 Runtime security)',
      ],
    ],
  ];

  it.each(cases)(
    "GIVEN %s THEN exactly that policy fires, naming the resource",
    async (_, stack, edit, expected) => {
      const plan = await committed(stack);
      edit(plan);
      expect(await violations(plan)).toEqual([expected]);
    },
  );

  it("GIVEN every policy THEN at least one case above breaks it", () => {
    expect([...new Set(cases.map((c) => c[3][0]))].sort()).toEqual(
      engramPolicies("prod")
        .map((p) => p.name)
        .sort(),
    );
  });

  it("GIVEN dev with prod's AKS cluster, and prod with staging's Container Apps environment THEN runtime-by-environment alone refuses each", async () => {
    const prod = await committed("prod");
    const dev = await committed("dev");
    dev.steps.push(step(prod, "aks-aks"));
    expect(await violations(dev)).toEqual([
      [
        "runtime-by-environment",
        "dev",
        "dev has an AKS cluster; dev, test and uat run on Container Apps (SOP 000 Environment Matrix)",
      ],
    ]);
    prod.steps.push(step(await committed("staging"), "aca-env"));
    expect(await violations(prod)).toEqual([
      [
        "runtime-by-environment",
        "prod",
        "prod has 1 Container Apps resources; prod runs on AKS (SOP 000 Environment Matrix: prod (AKS))",
      ],
    ]);
  });

  it("GIVEN dev THEN its lower-environment allowances hold: the Dev group's Contributor, public endpoints, shared keys, 30 days of logs", async () => {
    const plan = await committed("dev");
    expect(step(plan, "group-dev-contributor-rg").newState.type).toBe(
      "azure-native:authorization:RoleAssignment",
    );
    expect(inputs(plan, "storage-st").allowSharedKeyAccess).toBe(true);
    expect(inputs(plan, "kv-kv").properties.publicNetworkAccess).toBe("Enabled");
    expect(inputs(plan, "observability-log").retentionInDays).toBe(30);
    expect(await violations(plan)).toEqual([]);
    inputs(plan, "observability-log").retentionInDays = 29;
    expect(await violations(plan)).toEqual([
      [
        "log-retention",
        "observability-log",
        "retentionInDays is 29, at least 30 in dev (SOP 000 Audit & Logging: retain per env, prod >= 365d)",
      ],
    ]);
  });

  it("GIVEN dev THEN its Postgres firewall rules for the allowlist pass, and one for all of Azure is refused", async () => {
    const plan = await committed("dev");
    expect(inputs(plan, "psql-allowlist-203-0-113-0-24").startIpAddress).toBe("203.0.113.0");
    inputs(plan, "psql-allowlist-203-0-113-0-24").startIpAddress = "0.0.0.0";
    inputs(plan, "psql-allowlist-203-0-113-0-24").endIpAddress = "0.0.0.0";
    expect(await violations(plan)).toEqual([
      [
        "postgres-server",
        "psql-allowlist-203-0-113-0-24",
        "firewall rule 0.0.0.0-0.0.0.0 opens the server to all of Azure or the internet (SOP 000 Network Policy: lower env public only where necessary, restricted by IP allowlists)",
      ],
    ]);
  });
});

describe("npm run policy", () => {
  it("GIVEN committed plans THEN one line each and exit 0", async () => {
    const files = await Promise.all(
      ["staging", "prod"].map(async (stack) => {
        const file = path.join(tmp, `${stack}.json`);
        fs.writeFileSync(file, JSON.stringify(await committed(stack)));
        return file;
      }),
    );
    const r = policyCli(...files);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const steps = await Promise.all(["staging", "prod"].map(async (s) => (await committed(s)).steps.length));
    expect(r.stdout).toBe(
      `${path.relative(ROOT, files[0])}: ${steps[0]} steps, no policy violations\n${path.relative(ROOT, files[1])}: ${steps[1]} steps, no policy violations\n`,
    );
  });

  it("GIVEN a prod plan with purge protection off and Zep on a load balancer THEN one line per violation and exit 1", async () => {
    const plan = await committed("prod");
    inputs(plan, "kv-kv").properties.enablePurgeProtection = false;
    inputs(plan, "aks-zep-service").spec.type = "NodePort";
    const file = path.join(tmp, "broken-prod.json");
    fs.writeFileSync(file, JSON.stringify(plan));
    const r = policyCli(file);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(
      [
        "prod: key-vault: kv-kv: enablePurgeProtection is false in prod, must be true (SOP 000 Secrets & Key Management: enable soft-delete + purge protection)",
        'prod: k8s-internal-services: aks-zep-service: Service "zep" is a NodePort (SOP 000 Network Controls)',
        'prod: k8s-internal-services: aks-zep-service: Service "zep" is "NodePort", must be ClusterIP (SOP 000: Zep internal-only, Temporal server internal)',
        "",
      ].join("\n"),
    );
  });

  const USAGE = "usage: npm run policy -- <plan.json> [more.json ...]";

  it.each([
    [[], `name at least one plan file\n${USAGE}\n`],
    [["--bogus"], `unknown argument --bogus\n${USAGE}\n`],
    [["no-such-plan.json"], "no-such-plan.json does not exist\n"],
    [["package.json"], "package.json has no steps; give a plan written by npm run plan\n"],
    [["README.md"], "README.md is not JSON; give a plan written by npm run plan\n"],
  ])("GIVEN %j THEN exits 2 with one line, no stack trace", async (args, stderr) => {
    expect(await policyInProcess(...args)).toEqual({ status: 2, stdout: "", stderr });
  });

  it.each([
    [[], `name at least one plan file\n${USAGE}\n`],
    [["no-such-plan.json"], "no-such-plan.json does not exist\n"],
  ])("GIVEN %j THEN its own process exits 2 with one line, no stack trace", (args, stderr) => {
    expect(policyCli(...args)).toEqual({ status: 2, stdout: "", stderr });
  });

  it("GIVEN an internal error (here: stdout throws) THEN exits 2 with one line, the stack only with ENGRAM_DEBUG", async () => {
    const r = await runMainFailingStdout(main, ["--help"], {});
    expect(r).toEqual({ status: 2, stdout: "", stderr: "internal error: stdout broke\n" });
    const debug = await runMainFailingStdout(main, ["--help"], { ENGRAM_DEBUG: "1" });
    expect(debug.stderr).toMatch(/^internal error: stdout broke\nError: stdout broke\nsecond line\n {4}at /);
  });

  it("GIVEN a plan without engram:environment THEN exits 2 naming it", async () => {
    const plan = await committed("prod");
    delete plan.config["engram:environment"];
    const file = path.join(tmp, "no-env.json");
    fs.writeFileSync(file, JSON.stringify(plan));
    const r = await policyInProcess(file);
    expect(r).toEqual({
      status: 2,
      stdout: "",
      stderr: `${path.relative(ROOT, file)}: engram:environment is unset, expected one of dev, test, uat, staging, prod\n`,
    });
  });

  it("GIVEN --help THEN the usage on stdout and exit 0", async () => {
    expect(await policyInProcess("--help")).toEqual({ status: 0, stdout: `${USAGE}\n`, stderr: "" });
  });
});

describe("the pack under Pulumi", () => {
  it("GIVEN PULUMI_CONFIG as Pulumi passes it to a policy pack THEN the environment is engram:environment", () => {
    expect(
      environmentFromConfig('{"engram:environment":"staging","azure-native:location":"westeurope"}'),
    ).toBe("staging");
    expect(() => environmentFromConfig('{"azure-native:location":"westeurope"}')).toThrow(
      "engram policy pack: engram:environment is unset, expected one of dev, test, uat, staging, prod",
    );
    expect(() => environmentFromConfig(undefined)).toThrow(
      "engram policy pack: engram:environment is unset, expected one of dev, test, uat, staging, prod",
    );
  });

  it("GIVEN the pack's folder THEN it has Pulumi's layout and pins the root's @pulumi/policy and @pulumi/pulumi", () => {
    const root = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as Json;
    const pack = JSON.parse(fs.readFileSync(path.join(ROOT, "policy", "package.json"), "utf8")) as Json;
    expect(YAML.parse(fs.readFileSync(path.join(ROOT, "policy", "PulumiPolicy.yaml"), "utf8"))).toMatchObject(
      {
        runtime: "nodejs",
      },
    );
    expect(pack.main).toBe("index.ts");
    expect(pack.version).toBe("0.1.0");
    expect(pack.dependencies).toEqual({
      "@pulumi/policy": root.devDependencies["@pulumi/policy"],
      "@pulumi/pulumi": root.dependencies["@pulumi/pulumi"],
    });
    expect(pack.dependencies["@pulumi/policy"]).toBe("1.21.0");
  });
});

/* eslint-disable @typescript-eslint/no-require-imports */
describe("the pack served as Pulumi runs it (gRPC analyzer, as pulumi preview --policy-pack policy)", () => {
  const grpc = require("@grpc/grpc-js") as typeof import("@grpc/grpc-js");
  const pb = require("@pulumi/pulumi/proto/analyzer_pb") as Json;
  const { AnalyzerClient } = require("@pulumi/pulumi/proto/analyzer_grpc_pb") as Json;
  const { Struct } = require("google-protobuf/google/protobuf/struct_pb") as Json;
  let child: ReturnType<typeof spawn>;
  let client: Json;

  beforeAll(async () => {
    // What Pulumi does: start the pack in its folder with the stack's config in PULUMI_CONFIG; the
    // pack prints the port of its analyzer.
    child = spawn(
      process.execPath,
      [path.join(ROOT, "scripts", "run-ts.js"), path.join(ROOT, "policy", "index.ts")],
      {
        cwd: path.join(ROOT, "policy"),
        env: { ...process.env, PULUMI_CONFIG: JSON.stringify({ "engram:environment": "prod" }) },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const port = await new Promise<string>((resolve, reject) => {
      let out = "";
      let err = "";
      child.stdout?.on("data", (d: Buffer) => {
        out += d.toString();
        if (out.includes("\n")) resolve(out.trim());
      });
      child.stderr?.on("data", (d: Buffer) => (err += d.toString()));
      child.on("exit", (code) => reject(new Error(`the pack exited ${code}: ${err}`)));
    });
    expect(port).toMatch(/^\d+$/);
    client = new (AnalyzerClient as new (address: string, creds: unknown) => Json)(
      `127.0.0.1:${port}`,
      grpc.credentials.createInsecure(),
    );
  });
  afterAll(() => {
    client?.close();
    child?.kill();
  });

  const call = <T>(method: string, req: unknown): Promise<T> =>
    new Promise((resolve, reject) =>
      client[method](req, (e: Error | null, res: T) => (e ? reject(e) : resolve(res))),
    );
  const analyzerResource = (s: Step, Type: new () => Json) => {
    const r = new Type();
    r.setType(s.newState.type);
    r.setUrn(s.urn);
    r.setName(s.urn.split("::").pop());
    r.setProperties(Struct.fromJavaScript(s.newState.inputs));
    const opts = new pb.AnalyzerResourceOptions();
    opts.setProtect(s.newState.protect);
    r.setOptions(opts);
    return r;
  };
  const diagnostics = (res: Json) =>
    (res.getDiagnosticsList() as Json[]).map((d) => [
      d.getPolicyname(),
      d.getUrn().split("::").pop(),
      d.getEnforcementlevel() === pb.EnforcementLevel.MANDATORY ? "mandatory" : "not mandatory",
      d.getMessage(),
    ]);

  it("GIVEN a stack config without engram:environment THEN the pack does not start: one line, exit 1", () => {
    const r = spawnSync(
      process.execPath,
      [path.join(ROOT, "scripts", "run-ts.js"), path.join(ROOT, "policy", "index.ts")],
      {
        cwd: path.join(ROOT, "policy"),
        env: { ...process.env, PULUMI_CONFIG: JSON.stringify({ "azure-native:location": "westeurope" }) },
        encoding: "utf8",
        timeout: 60_000,
      },
    );
    expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({
      status: 1,
      stdout: "",
      stderr:
        "engram policy pack: engram:environment is unset, expected one of dev, test, uat, staging, prod\n",
    });
  });

  it("GIVEN prod's Key Vault with purge protection off THEN Analyze reports the key-vault policy, mandatory", async () => {
    const plan = await committed("prod");
    const ok = await call<Json>("analyze", analyzerResource(step(plan, "kv-kv"), pb.AnalyzeRequest));
    expect(diagnostics(ok)).toEqual([]);
    inputs(plan, "kv-kv").properties.enablePurgeProtection = false;
    const res = await call<Json>("analyze", analyzerResource(step(plan, "kv-kv"), pb.AnalyzeRequest));
    expect(diagnostics(res)).toEqual([
      [
        "key-vault",
        "",
        "mandatory",
        "Key Vault: RBAC authorization, soft delete; purge protection and no public network access in uat, staging and prod.\nenablePurgeProtection is false in prod, must be true (SOP 000 Secrets & Key Management: enable soft-delete + purge protection)",
      ],
    ]);
  });

  it("GIVEN prod without the Key Vault's private endpoint THEN AnalyzeStack reports private-endpoints on the vault", async () => {
    const plan = await committed("prod");
    const stack = (p: PreviewJson) => {
      const req = new pb.AnalyzeStackRequest();
      req.setResourcesList(p.steps.map((s) => analyzerResource(s, pb.AnalyzerResource)));
      return req;
    };
    expect(diagnostics(await call<Json>("analyzeStack", stack(plan)))).toEqual([]);
    plan.steps = plan.steps.filter((s) => !s.urn.endsWith("::private-endpoints-vault-pe"));
    expect(diagnostics(await call<Json>("analyzeStack", stack(plan)))).toEqual([
      [
        "private-endpoints",
        "kv-kv",
        "mandatory",
        "In uat, staging and prod every Key Vault, Storage account and Postgres server has a private endpoint.\nkv-kv (azure-native:keyvault:Vault) has no private endpoint in prod (SOP 000 Network Controls: private endpoints for Postgres, Storage, Key Vault)",
      ],
    ]);
  });
});
/* eslint-enable @typescript-eslint/no-require-imports */
