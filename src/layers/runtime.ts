import { byKey } from "../../lib/text";
import * as pulumi from "@pulumi/pulumi";
import { AppGatewayWaf } from "../../components/app-gateway-waf";
import { AppIngress, ContainerApp, HealthProbe, SecretVolume } from "../../components/container-app";
import { ContainerAppsEnvironment } from "../../components/container-apps-environment";
import { ServiceIdentity } from "../../components/service-identity";
import { TemporalTls } from "../../components/temporal-tls";
import { grant } from "../../components/role-assignment";
import { ImageService } from "../config";
import { Context, Platform } from "../context";
import { SERVICE_NAMES, ServiceName, VAULT_SECRETS, VaultSecretSpec, secretsReadBy } from "../services";
import { DataLayer } from "./data";
import { ServiceIdentities } from "./identities";
import { NetworkLayer } from "./network";

/** The five apps: the four services of DESIGN.md §2 plus the Temporal UI. */
export const APP_NAMES = ["backend", "worker", "zep", "temporal", "temporal-ui"] as const;
export type AppName = (typeof APP_NAMES)[number];

const IMAGE_KEY: Record<AppName, ImageService> = {
  backend: "backend",
  worker: "worker",
  zep: "zep",
  temporal: "temporal",
  "temporal-ui": "temporalUi",
};

/** Ports (DESIGN.md §2: backend 8000, Temporal gRPC 7233). */
export const PORTS = { backend: 8000, zep: 8000, temporal: 7233, temporalUi: 8080 } as const;

/** The apps that take part in Temporal mTLS: the server and its two clients. */
export type TemporalTlsReader = "temporal" | "worker" | "temporal-ui";

/**
 * The Key Vault secrets of Temporal mTLS (DESIGN.md §3 temporal-tls-*), with their readers. The
 * frontend requires a client certificate from every caller, so the Temporal UI has its own (read
 * by its own identity only): DESIGN.md §3's readers extended with temporal-ui.
 */
export const TEMPORAL_TLS_SECRETS = {
  "temporal-tls-ca": { readers: ["temporal", "worker", "temporal-ui"], file: "ca.pem" },
  "temporal-tls-server-cert": { readers: ["temporal"], file: "server.pem" },
  "temporal-tls-server-key": { readers: ["temporal"], file: "server.key" },
  "temporal-tls-client-cert": { readers: ["worker"], file: "client.pem" },
  "temporal-tls-client-key": { readers: ["worker"], file: "client.key" },
  "temporal-tls-ui-cert": { readers: ["temporal-ui"], file: "client.pem" },
  "temporal-tls-ui-key": { readers: ["temporal-ui"], file: "client.key" },
} as const satisfies Record<string, { readers: readonly TemporalTlsReader[]; file: string }>;
export type TemporalTlsSecret = keyof typeof TEMPORAL_TLS_SECRETS;

/** Where each app finds its mTLS files (one secret volume per app). */
export const TLS_MOUNT = {
  temporal: "/etc/temporal/tls",
  worker: "/etc/engram/temporal-tls",
  "temporal-ui": "/etc/temporal-ui/tls",
} as const satisfies Record<TemporalTlsReader, string>;

/** The public TLS certificate of the App Gateway: a Key Vault certificate the platform team imports. */
export const APPGW_CERT_SECRET = "appgw-tls";

export interface RuntimeDeps {
  identities: ServiceIdentities;
  network: NetworkLayer;
  data: DataLayer;
  /** AZURE_AD_CLIENT_ID: the API app registration's client id (never a managed identity's). */
  apiClientId: pulumi.Input<string>;
  /** The Static Web App origin, `https://<defaultHostname>` (joins CORS_ORIGINS). */
  webOrigin: pulumi.Input<string>;
  /** Each service's AcrPull assignment (access layer): the image is pulled at revision start too. @default {} */
  acrPull?: Partial<Record<ServiceName, pulumi.Resource>>;
  /**
   * Application Insights connection string for backend and worker telemetry. Not a secret (an
   * identifier; with local auth off, ingestion needs the app identity's Entra token). @default none
   */
  appInsightsConnectionString?: pulumi.Input<string>;
}

export interface RuntimeLayer {
  environment: ContainerAppsEnvironment;
  apps: Record<AppName, ContainerApp>;
  waf?: AppGatewayWaf;
  /** For the observability layer's diagnostic settings (this layer creates none). */
  diagnosticTargets: {
    managedEnvironmentId: pulumi.Output<string>;
    applicationGatewayId?: pulumi.Output<string>;
  };
  outputs: {
    /** The backend's ingress URL (VNet-only when the WAF is on). */
    backendUrl: pulumi.Output<string>;
    /** The WAF's public IP; the API's DNS name points here. Only with the WAF. */
    apiPublicIp?: pulumi.Output<string>;
  };
}

/** What one app gets, before it becomes a ContainerApp. */
interface AppPlan {
  identity?: ServiceIdentity;
  keyVaultSecrets: Record<string, pulumi.Input<string>>;
  secretEnv: Record<string, string>;
  env: Record<string, pulumi.Input<string>>;
  secretVolumes: Record<string, SecretVolume>;
  grants: pulumi.Resource[];
  rotations: Record<string, pulumi.Input<string>>;
}

interface AppSpec {
  env: Record<string, pulumi.Input<string>>;
  /** Additional env vars from secrets the app already references (an image's own variable names). */
  extraSecretEnv?: Record<string, string>;
  ingress?: AppIngress;
  health?: HealthProbe;
  replicas: { min: number; max: number };
  resources: { cpu: number; memory: string };
}

/**
 * The runtime (DESIGN.md §2, §3, §6): the Container Apps environment, the five apps with Key
 * Vault references and secretRefs derived from src/services.ts, Temporal mTLS when the matrix says
 * so, and the WAF in front of the API when it is on.
 */
export function buildRuntime(ctx: Context, platform: Platform, deps: RuntimeDeps): RuntimeLayer {
  const cfg = ctx.cfg;
  const env = cfg.environment;
  const waf = cfg.decisions.waf.value;
  const mtls = cfg.decisions.temporalMtls.value;
  const { data, identities } = deps;
  const appName = (a: AppName) => ctx.name("containerApp", a);

  const environment = new ContainerAppsEnvironment("aca", {
    environmentName: ctx.name("containerAppsEnvironment"),
    resourceGroupName: platform.resourceGroupName,
    location: platform.location,
    tags: ctx.tags,
    infrastructureSubnetId: deps.network.subnets.aca.id,
    // With the WAF the gateway is the only public entry (DESIGN.md §1 API public surface).
    internal: waf,
    vnetId: deps.network.vnetId,
    peerEncryption: cfg.decisions.peerEncryption.value,
    zoneRedundant: cfg.decisions.availability.value,
  });
  // ACA's documented FQDN scheme; used where the app's own output would be circular (its cert).
  const internalFqdn = (a: AppName) =>
    pulumi.interpolate`${appName(a)}.internal.${environment.defaultDomain}`;

  // The temporal-ui reads no service secret; it gets an identity to pull from the registry and,
  // with mTLS, to read its own client certificate.
  const acrId = cfg.registry?.acrId;
  const uiIdentity =
    acrId === undefined && !mtls
      ? undefined
      : new ServiceIdentity("id-temporal-ui", {
          service: "temporal-ui",
          identityName: ctx.name("userAssignedIdentity", "temporal-ui"),
          resourceGroupName: platform.resourceGroupName,
          location: platform.location,
          tags: ctx.tags,
        });
  const uiAcrPull =
    uiIdentity && acrId
      ? grant(
          {
            principal: uiIdentity.principal,
            role: "AcrPull",
            scope: { id: acrId, label: "acr" },
            subscriptionId: platform.subscriptionId,
            environment: env,
          },
          { parent: uiIdentity, protect: false },
        )
      : undefined;

  const plans = {} as Record<AppName, AppPlan>;
  for (const a of APP_NAMES) plans[a] = emptyPlan();
  for (const s of SERVICE_NAMES) {
    const p = plans[s];
    p.identity = identities[s];
    for (const secret of secretsReadBy(s, cfg)) {
      const spec: VaultSecretSpec = VAULT_SECRETS[secret];
      p.keyVaultSecrets[secret] = data.secretUrl(secret);
      p.secretEnv[spec.envVar] = secret;
      // An app reading a rotated generated secret gets a new revision.
      const rotated = data.secretRotations[secret];
      if (spec.source.kind === "generated" && rotated !== undefined) p.rotations[secret] = rotated;
    }
  }
  plans["temporal-ui"].identity = uiIdentity;
  const uiTlsGrants: pulumi.Resource[] = [];

  // Temporal mTLS: certificates stored as vault secrets (readers get per-secret grants from the
  // data layer), mounted as files through Key Vault references.
  if (mtls) {
    const pki = new TemporalTls("temporal-tls", {
      environment: env,
      serverDnsNames: [appName("temporal"), internalFqdn("temporal")],
    });
    const values: Record<TemporalTlsSecret, pulumi.Output<string>> = {
      "temporal-tls-ca": pulumi.secret(pki.caCertPem),
      "temporal-tls-server-cert": pulumi.secret(pki.serverCertPem),
      "temporal-tls-server-key": pki.serverKeyPem,
      "temporal-tls-client-cert": pulumi.secret(pki.clientCertPem),
      "temporal-tls-client-key": pki.clientKeyPem,
      "temporal-tls-ui-cert": pulumi.secret(pki.uiCertPem),
      "temporal-tls-ui-key": pki.uiKeyPem,
    };
    if (!uiIdentity) throw new Error("Temporal mTLS is on but the temporal-ui has no identity");
    for (const [secret, spec] of Object.entries(TEMPORAL_TLS_SECRETS) as [
      TemporalTlsSecret,
      (typeof TEMPORAL_TLS_SECRETS)[TemporalTlsSecret],
    ][]) {
      const added = data.addSecret(secret, {
        value: values[secret],
        contentType: "application/x-pem-file",
        expires: pki.expiresAt,
        // The UI's identity is not a service identity: it is passed in as its own principal.
        readers: spec.readers.map((r: TemporalTlsReader) =>
          r === "temporal-ui" ? { label: r, principal: uiIdentity.principal } : r,
        ),
        tags: { source: "generated:temporal-mtls", rotation: "90d" },
      });
      uiTlsGrants.push(...(added.grants["temporal-ui"] ?? []));
      for (const reader of spec.readers) {
        const p = plans[reader];
        p.keyVaultSecrets[secret] = added.secretUrl;
        p.rotations[secret] = pki.issuedAt;
        const mount = TLS_MOUNT[reader];
        p.secretVolumes["temporal-tls"] ??= { mountPath: mount, files: {} };
        p.secretVolumes["temporal-tls"].files[spec.file] = secret;
      }
    }
    const t = TLS_MOUNT.temporal;
    Object.assign(plans.temporal.env, {
      TEMPORAL_TLS_REQUIRE_CLIENT_AUTH: "true",
      TEMPORAL_TLS_SERVER_CA_CERT: `${t}/ca.pem`,
      TEMPORAL_TLS_SERVER_CERT: `${t}/server.pem`,
      TEMPORAL_TLS_SERVER_KEY: `${t}/server.key`,
      TEMPORAL_TLS_CLIENT1_CA_CERT: `${t}/ca.pem`,
      TEMPORAL_TLS_INTERNODE_SERVER_NAME: appName("temporal"),
      TEMPORAL_TLS_FRONTEND_SERVER_NAME: appName("temporal"),
    });
    const w = TLS_MOUNT.worker;
    Object.assign(plans.worker.env, {
      TEMPORAL_TLS_CA: `${w}/ca.pem`,
      TEMPORAL_TLS_CERT: `${w}/client.pem`,
      TEMPORAL_TLS_KEY: `${w}/client.key`,
      TEMPORAL_TLS_SERVER_NAME: appName("temporal"),
    });
    // The temporalio/ui image's names (ui-server config/docker.yaml); without host verification
    // ui-server skips verifying the server certificate altogether (InsecureSkipVerify).
    const u = TLS_MOUNT["temporal-ui"];
    Object.assign(plans["temporal-ui"].env, {
      TEMPORAL_TLS_CA: `${u}/ca.pem`,
      TEMPORAL_TLS_CERT: `${u}/client.pem`,
      TEMPORAL_TLS_KEY: `${u}/client.key`,
      TEMPORAL_TLS_SERVER_NAME: appName("temporal"),
      TEMPORAL_TLS_ENABLE_HOST_VERIFICATION: "true",
    });
  }

  // Grants are read after addSecret, which appends to them.
  for (const s of SERVICE_NAMES) {
    const pull = deps.acrPull?.[s];
    plans[s].grants = [...(data.secretGrants[s] ?? []), ...(pull ? [pull] : [])];
  }
  plans["temporal-ui"].grants = [...uiTlsGrants, ...(uiAcrPull ? [uiAcrPull] : [])];

  const corsOrigins = pulumi
    .all([cfg.frontendOrigins, cfg.devOrigins, deps.webOrigin])
    .apply(([front, dev, swa]) => [...new Set([...front, ...dev, swa])]);
  const pg = data.postgres;

  const app = (a: AppName, plan: AppPlan, spec: AppSpec): ContainerApp => {
    const rotations = Object.entries(plan.rotations).sort(byKey);
    const rotationStamp =
      rotations.length === 0
        ? undefined
        : pulumi
            .all(rotations.map(([, t]) => t))
            .apply((ts) => rotations.map(([n], i) => `${n}@${ts[i]}`).join(";"));
    return new ContainerApp(a, {
      appName: appName(a),
      resourceGroupName: platform.resourceGroupName,
      location: platform.location,
      tags: { ...ctx.tags, service: a },
      environmentId: environment.id,
      identity: plan.identity ? { id: plan.identity.id } : undefined,
      image: cfg.images[IMAGE_KEY[a]],
      // Identity-based pulls work with an ACR only; another registry serves public images.
      registryServer: acrId !== undefined ? cfg.registry?.loginServer : undefined,
      keyVaultSecrets: plan.keyVaultSecrets,
      secretEnv: { ...plan.secretEnv, ...(spec.extraSecretEnv ?? {}) },
      env: { ...spec.env, ...plan.env },
      secretVolumes: plan.secretVolumes,
      rotationStamp,
      ingress: spec.ingress,
      health: spec.health,
      replicas: spec.replicas,
      resources: spec.resources,
      grants: plan.grants,
    });
  };

  // Zep and Temporal first: the backend and worker get their URLs.
  const zep = app("zep", plans.zep, {
    env: {
      AZURE_CLIENT_ID: identities.zep.clientId,
      POSTGRES_HOST: pg.platformHost,
      POSTGRES_USER: pg.platformLogin,
      POSTGRES_DB: pg.databases.zep,
    },
    ingress: { external: false, targetPort: PORTS.zep },
    health: { kind: "http", port: PORTS.zep, path: "/healthz" },
    replicas: { min: 1, max: 2 },
    resources: { cpu: 0.5, memory: "1Gi" },
  });
  const temporal = app("temporal", plans.temporal, {
    env: {
      AZURE_CLIENT_ID: identities.temporal.clientId,
      DB: "postgres12",
      DB_PORT: "5432",
      POSTGRES_HOST: pg.platformHost,
      POSTGRES_SEEDS: pg.platformHost,
      POSTGRES_USER: pg.platformLogin,
      DBNAME: pg.databases.temporal,
      VISIBILITY_DBNAME: pg.databases.temporalVisibility,
      // Azure Database for PostgreSQL requires TLS (require_secure_transport).
      SQL_TLS_ENABLED: "true",
    },
    // The temporalio/server image reads the password as POSTGRES_PWD; same vault secret.
    extraSecretEnv: { POSTGRES_PWD: "postgres-password" },
    ingress: { external: false, targetPort: PORTS.temporal, transport: "tcp", exposedPort: PORTS.temporal },
    health: { kind: "tcp", port: PORTS.temporal },
    // One frontend/history/matching process; more replicas need a ringpop-aware setup.
    replicas: { min: 1, max: 1 },
    resources: { cpu: 1, memory: "2Gi" },
  });
  const zepUrl = zep.fqdn.apply((f) => `https://${f ?? ""}`);
  const temporalHost = temporal.fqdn.apply((f) => `${f ?? ""}:${PORTS.temporal}`);

  const common = (s: "backend" | "worker") => ({
    AZURE_CLIENT_ID: identities[s].clientId,
    AZURE_AD_CLIENT_ID: deps.apiClientId,
    AZURE_TENANT_ID: platform.tenantId,
    AZURE_AI_ENDPOINT: cfg.ai.endpoint,
    POSTGRES_HOST: pg.appHost,
    POSTGRES_DB: pg.databases.engram,
    ZEP_API_URL: zepUrl,
    TEMPORAL_HOST: temporalHost,
    ...(deps.appInsightsConnectionString !== undefined
      ? { APPLICATIONINSIGHTS_CONNECTION_STRING: deps.appInsightsConnectionString }
      : {}),
  });
  const backend = app("backend", plans.backend, {
    env: {
      ...common("backend"),
      AUTH_REQUIRED: String(cfg.decisions.authRequired.value),
      ALLOW_DEV_TOKENS: String(cfg.decisions.allowDevTokens.value),
      CORS_ORIGINS: corsOrigins.apply((o) => o.join(",")),
    },
    // External: public without the WAF; with it, the environment is internal and "external"
    // means reachable from the VNet (the gateway) only.
    ingress: { external: true, targetPort: PORTS.backend, corsOrigins },
    health: { kind: "http", port: PORTS.backend, path: "/health" },
    replicas: cfg.fixed.replicas,
    resources: { cpu: 1, memory: "2Gi" },
  });
  const worker = app("worker", plans.worker, {
    env: common("worker"),
    replicas: { min: 1, max: 3 },
    resources: { cpu: 1, memory: "2Gi" },
  });
  const ui = app("temporal-ui", plans["temporal-ui"], {
    env: { TEMPORAL_ADDRESS: temporalHost, TEMPORAL_UI_PORT: String(PORTS.temporalUi) },
    ingress: {
      external: false,
      targetPort: PORTS.temporalUi,
      allowedIpRanges: cfg.fixed.temporalUiAllowlist ? cfg.adminIpAllowlist : [],
    },
    health: { kind: "http", port: PORTS.temporalUi, path: "/" },
    replicas: { min: 0, max: 1 },
    resources: { cpu: 0.25, memory: "0.5Gi" },
  });

  let gateway: AppGatewayWaf | undefined;
  if (waf) {
    const subnet = deps.network.subnets.appgw;
    if (!subnet) throw new Error("the WAF is on but the network layer has no appgw subnet");
    gateway = new AppGatewayWaf("waf", {
      gatewayName: ctx.name("applicationGateway"),
      policyName: ctx.name("wafPolicy"),
      publicIpName: ctx.name("publicIp", "agw"),
      identityName: ctx.name("userAssignedIdentity", "appgw"),
      resourceGroupName: platform.resourceGroupName,
      location: platform.location,
      subscriptionId: platform.subscriptionId,
      environment: env,
      tags: { ...ctx.tags, service: "waf" },
      subnetId: subnet.id,
      backendFqdn: backend.fqdn.apply((f) => f ?? ""),
      certificateSecretId: data.secretUrl(APPGW_CERT_SECRET),
      certificateSecretResourceId: data.secretId(APPGW_CERT_SECRET),
      zoneRedundant: cfg.decisions.availability.value,
      capacity: cfg.fixed.wafCapacity,
    });
  }

  return {
    environment,
    apps: { backend, worker, zep, temporal, "temporal-ui": ui },
    waf: gateway,
    diagnosticTargets: {
      managedEnvironmentId: environment.id,
      ...(gateway ? { applicationGatewayId: gateway.id } : {}),
    },
    outputs: {
      backendUrl: backend.fqdn.apply((f) => `https://${f ?? ""}`),
      ...(gateway ? { apiPublicIp: gateway.publicIpAddress } : {}),
    },
  };
}

function emptyPlan(): AppPlan {
  return { keyVaultSecrets: {}, secretEnv: {}, env: {}, secretVolumes: {}, grants: [], rotations: {} };
}
