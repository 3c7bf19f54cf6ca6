import * as pulumi from "@pulumi/pulumi";
import * as network from "@pulumi/azure-native/network";
import { standardPublicIp, ZONE_REDUNDANT } from "./public-ip";
import { grant } from "./role-assignment";
import { ServiceIdentity } from "./service-identity";
import { wafPolicy } from "./waf-policy";
import { Environment } from "../lib/environments";
import { RoleName } from "../lib/roles";

/**
 * The gateway's backend: a Container App's FQDN (`<app>.<env default domain>`, resolved through the
 * private zone; HTTPS to the app's own certificate), or a private IP (an AKS internal load
 * balancer) with the port and protocol it listens on.
 */
export type WafBackend =
  | { fqdn: pulumi.Input<string> }
  | { ipAddress: pulumi.Input<string>; port: number; protocol: "Http" | "Https" };

export interface AppGatewayWafArgs {
  /** Azure names, from the naming helper. */
  gatewayName: string;
  policyName: string;
  publicIpName: string;
  /** The gateway's own identity (made with the others); it reads the TLS certificate, nothing else. */
  identity: ServiceIdentity;
  resourceGroupName: pulumi.Input<string>;
  location: pulumi.Input<string>;
  subscriptionId: pulumi.Input<string>;
  environment: Environment;
  tags: Record<string, string>;
  /** The `appgw` subnet (/24, nothing else in it). */
  subnetId: pulumi.Input<string>;
  /** The backend: the only pool. */
  backend: WafBackend;
  /** Health probe path of the backend (unauthenticated). @default "/health" */
  healthPath?: string;
  /**
   * The public TLS certificate: the versionless Key Vault secret id of a certificate the platform
   * team imports (`<vaultUri>secrets/appgw-tls`). The gateway polls it and picks up new versions.
   */
  certificateSecretId: pulumi.Input<string>;
  /** ARM id of that secret, the scope of the gateway identity's grant. */
  certificateSecretResourceId: pulumi.Input<string>;
  /**
   * The gateway identity's role on that secret (the caller's access table row for it).
   * @default "Key Vault Secrets User"
   */
  certificateReaderRole?: RoleName;
  /** Paths whose requests are rate limited per client IP. @default ["/api/v1/mcp"] */
  rateLimitedPathPrefixes?: string[];
  /** Requests per client IP per minute on those paths. @default 300 */
  rateLimitPerMinute?: number;
  /**
   * Zone-redundant over zones 1-3, gateway and public IP (the matrix row `availability`; Azure's
   * guidance for Application Gateway v2 in a region with zones). Fixed at creation. @default false
   */
  zoneRedundant?: boolean;
  /** Autoscale bounds. @default { min: 1, max: 10 } */
  capacity?: { min: number; max: number };
}

/** HSTS on every response from the public entry (SOP 000: HSTS on public endpoints). */
export const HSTS_VALUE = "max-age=31536000; includeSubDomains";

/**
 * The only public entry of the API when the WAF is on (prod; optional in uat/staging): Application
 * Gateway WAF_v2 with a WAF policy in Prevention mode (Microsoft Default Rule Set 2.1 and Bot
 * Manager Rule Set 1.1), a per-IP rate limit on the MCP endpoint (SOP 001: rate-limit MCP at
 * ingress/WAF), HTTPS only (HTTP is redirected), TLS 1.2+ (AppGwSslPolicy20220101S), HSTS, and the
 * internal backend app as pool.
 *
 * Application Gateway references its own sub-resources by ARM id; they are built from the
 * gateway's deterministic id (subscription, resource group and name are known before creation).
 */
export class AppGatewayWaf extends pulumi.ComponentResource {
  readonly id: pulumi.Output<string>;
  readonly policyId: pulumi.Output<string>;
  readonly publicIpAddress: pulumi.Output<string>;
  readonly publicIpId: pulumi.Output<string>;

  constructor(name: string, args: AppGatewayWafArgs, opts?: pulumi.ComponentResourceOptions) {
    super("engram:runtime:AppGatewayWaf", name, {}, opts);
    const zones = args.zoneRedundant ? [...ZONE_REDUNDANT] : undefined;
    const capacity = args.capacity ?? { min: 1, max: 10 };

    const policy = wafPolicy(`${name}-policy`, args, this);
    const pip = standardPublicIp(
      `${name}-pip`,
      {
        publicIpAddressName: args.publicIpName,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        idleTimeoutInMinutes: 4,
        zones,
        tags: args.tags,
      },
      { parent: this },
    );
    const { identity, certGrant } = certificateReader(args, this);

    const gwId = pulumi.interpolate`/subscriptions/${args.subscriptionId}/resourceGroups/${args.resourceGroupName}/providers/Microsoft.Network/applicationGateways/${args.gatewayName}`;
    const sub: SubResource = (collection, item) => ({
      id: pulumi.interpolate`${gwId}/${collection}/${item}`,
    });

    const gateway = new network.ApplicationGateway(
      `${name}-agw`,
      {
        applicationGatewayName: args.gatewayName,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        sku: { name: "WAF_v2", tier: "WAF_v2" },
        autoscaleConfiguration: { minCapacity: capacity.min, maxCapacity: capacity.max },
        ...(zones ? { zones } : {}),
        identity: { type: "UserAssigned", userAssignedIdentities: [identity.id] },
        firewallPolicy: { id: policy.id },
        forceFirewallPolicyAssociation: true,
        enableHttp2: true,
        sslPolicy: { policyType: "Predefined", policyName: "AppGwSslPolicy20220101S" },
        gatewayIPConfigurations: [{ name: "gateway", subnet: { id: args.subnetId } }],
        ...listeners(args, pip.id, sub),
        ...backends(args, sub),
        ...routingRules(sub, backendSettingsName(args.backend)),
        tags: args.tags,
      },
      // The certificate is read at creation: the grant must exist first.
      { parent: this, dependsOn: [certGrant] },
    );

    this.id = gateway.id;
    this.policyId = policy.id;
    this.publicIpAddress = pip.ipAddress.apply((ip) => ip ?? "");
    this.publicIpId = pip.id;
    this.registerOutputs({
      id: this.id,
      policyId: this.policyId,
      publicIpAddress: this.publicIpAddress,
      publicIpId: this.publicIpId,
    });
  }
}

/** A reference to one of the gateway's own sub-resources, by collection and name. */
type SubResource = (collection: string, item: string) => { id: pulumi.Output<string> };

/** The gateway identity's one grant: it reads the TLS certificate from Key Vault; nothing else. */
function certificateReader(
  args: AppGatewayWafArgs,
  parent: pulumi.Resource,
): { identity: ServiceIdentity; certGrant: pulumi.Resource } {
  const identity = args.identity;
  const certGrant = grant(
    {
      principal: identity.principal,
      role: args.certificateReaderRole ?? "Key Vault Secrets User",
      scope: { id: args.certificateSecretResourceId, label: "kv-secret:appgw-tls" },
      subscriptionId: args.subscriptionId,
      environment: args.environment,
    },
    { parent },
  );
  return { identity, certGrant };
}

/** The public front: HTTPS on 443 with the Key Vault certificate, HTTP on 80 redirected to it. */
function listeners(args: AppGatewayWafArgs, publicIpId: pulumi.Input<string>, sub: SubResource) {
  return {
    frontendIPConfigurations: [{ name: "public", publicIPAddress: { id: publicIpId } }],
    frontendPorts: [
      { name: "https", port: 443 },
      { name: "http", port: 80 },
    ],
    sslCertificates: [{ name: "public-tls", keyVaultSecretId: args.certificateSecretId }],
    httpListeners: [
      {
        name: "https",
        protocol: "Https",
        frontendIPConfiguration: sub("frontendIPConfigurations", "public"),
        frontendPort: sub("frontendPorts", "https"),
        sslCertificate: sub("sslCertificates", "public-tls"),
        requireServerNameIndication: false,
      },
      {
        name: "http",
        protocol: "Http",
        frontendIPConfiguration: sub("frontendIPConfigurations", "public"),
        frontendPort: sub("frontendPorts", "http"),
      },
    ],
    redirectConfigurations: [
      {
        name: "http-to-https",
        redirectType: "Permanent",
        targetListener: sub("httpListeners", "https"),
        includePath: true,
        includeQueryString: true,
      },
    ],
  };
}

/** `backend-https` or `backend-http`: the backend settings' name says the protocol to it. */
const backendSettingsName = (b: WafBackend): string =>
  `backend-${("fqdn" in b ? "Https" : b.protocol).toLowerCase()}`;

/** The backend as the only pool, its health probe, and the protocol to it. */
function backends(args: AppGatewayWafArgs, sub: SubResource) {
  const b = args.backend;
  const byFqdn = "fqdn" in b;
  // A Container App: HTTPS to the certificate its ingress presents for its FQDN. An IP: the
  // listener's own protocol and port, with the pool address as the probe's host.
  const protocol = byFqdn ? "Https" : b.protocol;
  return {
    backendAddressPools: [
      { name: "backend", backendAddresses: [byFqdn ? { fqdn: b.fqdn } : { ipAddress: b.ipAddress }] },
    ],
    probes: [
      {
        name: "backend-health",
        protocol,
        path: args.healthPath ?? "/health",
        interval: 30,
        timeout: 30,
        unhealthyThreshold: 3,
        pickHostNameFromBackendHttpSettings: true,
        match: { statusCodes: ["200-399"] },
      },
    ],
    backendHttpSettingsCollection: [
      {
        name: backendSettingsName(b),
        protocol,
        port: byFqdn ? 443 : b.port,
        pickHostNameFromBackendAddress: true,
        cookieBasedAffinity: "Disabled",
        requestTimeout: 120,
        probe: sub("probes", "backend-health"),
      },
    ],
  };
}

/** HTTPS to the backend with HSTS on every response; HTTP to the redirect. */
function routingRules(sub: SubResource, backendSettings: string) {
  return {
    rewriteRuleSets: [
      {
        name: "security-headers",
        rewriteRules: [
          {
            name: "hsts",
            ruleSequence: 100,
            actionSet: {
              responseHeaderConfigurations: [
                { headerName: "Strict-Transport-Security", headerValue: HSTS_VALUE },
              ],
            },
          },
        ],
      },
    ],
    requestRoutingRules: [
      {
        name: "https-to-backend",
        priority: 100,
        ruleType: "Basic",
        httpListener: sub("httpListeners", "https"),
        backendAddressPool: sub("backendAddressPools", "backend"),
        backendHttpSettings: sub("backendHttpSettingsCollection", backendSettings),
        rewriteRuleSet: sub("rewriteRuleSets", "security-headers"),
      },
      {
        name: "http-redirect",
        priority: 200,
        ruleType: "Basic",
        httpListener: sub("httpListeners", "http"),
        redirectConfiguration: sub("redirectConfigurations", "http-to-https"),
      },
    ],
  };
}
