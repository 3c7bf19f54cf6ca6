import * as pulumi from "@pulumi/pulumi";
import { byKey } from "../../../lib/text";
import { AppIngress, ContainerApp, HealthProbe } from "../../../components/container-app";
import { ContainerAppsEnvironment } from "../../../components/container-apps-environment";
import { Context, Platform } from "../../context";
import { DataLayer } from "../data";
import { ServiceIdentities } from "../identities";
import { appNameOf } from "./environment";
import { APP_NAMES, isServiceName, SERVICES, ServiceSpec } from "../../services";
import { AppName, AppPlan, AppPlans } from "./plans";

/** Ports, from src/services.ts (DESIGN.md §2: backend 8000, Temporal gRPC 7233). */
export const PORTS = {
  backend: SERVICES.backend.port,
  zep: SERVICES.zep.port,
  temporal: SERVICES.temporal.port,
  temporalUi: SERVICES["temporal-ui"].port,
} as const;

/**
 * An app's ingress as src/services.ts states it (none, internal, internal TCP on its port, or
 * external), with what only the app knows: its CORS origins, its allowed IP ranges.
 */
function ingressOf(
  a: AppName,
  own: Pick<AppIngress, "allowedIpRanges" | "corsOrigins"> = {},
): AppIngress | undefined {
  const s: ServiceSpec = SERVICES[a];
  if (s.ingress === "none" || s.port === undefined) return undefined;
  const tcp = s.ingress === "internal-tcp" ? { transport: "tcp" as const, exposedPort: s.port } : {};
  return { external: s.ingress === "external", targetPort: s.port, ...tcp, ...own };
}

/** What the apps need from earlier layers (a subset of RuntimeDeps). */
export interface AppDeps {
  identities: ServiceIdentities;
  data: DataLayer;
  apiClientId: pulumi.Input<string>;
  webOrigin: pulumi.Input<string>;
  appInsightsConnectionString?: pulumi.Input<string>;
}

/** One app's own settings: its env vars, ingress, probe, scale and size (the same on ACA and AKS). */
export interface AppSpec {
  env: Record<string, pulumi.Input<string>>;
  /** Additional env vars from secrets the app already references (an image's own variable names). */
  extraSecretEnv?: Record<string, string>;
  /** What only the app knows of its ingress (the rest is src/services.ts's). */
  ingress?: Pick<AppIngress, "allowedIpRanges" | "corsOrigins">;
  health?: HealthProbe;
  replicas: { min: number; max: number };
  resources: { cpu: number; memory: string };
}

type AppFactory = (a: AppName, plan: AppPlan, spec: AppSpec) => ContainerApp;

/** Makes a ContainerApp from an app's plan (secrets, identity, grants) and its spec. */
function appFactory(ctx: Context, platform: Platform, environment: ContainerAppsEnvironment): AppFactory {
  const cfg = ctx.cfg;
  const acrId = cfg.registry?.acrId;
  return (a, plan, spec) => {
    const rotations = Object.entries(plan.rotations).sort(byKey);
    const rotationStamp =
      rotations.length === 0
        ? undefined
        : pulumi
            .all(rotations.map(([, t]) => t))
            .apply((ts) => rotations.map(([n], i) => `${n}@${ts[i]}`).join(";"));
    return new ContainerApp(a, {
      appName: appNameOf(ctx, a),
      resourceGroupName: platform.resourceGroupName,
      location: platform.location,
      tags: { ...ctx.tags, service: a },
      environmentId: environment.id,
      identity: plan.identity ? { id: plan.identity.id } : undefined,
      image: cfg.images[SERVICES[a].imageKey],
      // Identity-based pulls work with an ACR only; another registry serves public images.
      registryServer: acrId !== undefined ? cfg.registry?.loginServer : undefined,
      keyVaultSecrets: plan.keyVaultSecrets,
      secretEnv: { ...plan.secretEnv, ...(spec.extraSecretEnv ?? {}) },
      env: { ...spec.env, ...plan.env },
      secretVolumes: plan.secretVolumes,
      rotationStamp,
      ingress: ingressOf(a, spec.ingress),
      health: spec.health,
      replicas: spec.replicas,
      resources: spec.resources,
      grants: plan.grants,
    });
  };
}

/**
 * The five Container Apps (DESIGN.md §2), each with its plan's secrets and grants and its own env
 * vars: Zep and Temporal first, so the backend and worker get their URLs.
 */
export function buildApps(
  ctx: Context,
  platform: Platform,
  deps: AppDeps,
  environment: ContainerAppsEnvironment,
  plans: AppPlans,
): Record<AppName, ContainerApp> {
  const app = appFactory(ctx, platform, environment);
  const platformApps = platformSpecs(deps);
  const zep = app("zep", plans.zep, platformApps.zep);
  const temporal = app("temporal", plans.temporal, platformApps.temporal);
  const specs = clientSpecs(ctx, platform, deps, {
    zepUrl: zep.fqdn.apply((f) => `https://${f ?? ""}`),
    temporalHost: temporal.fqdn.apply((f) => `${f ?? ""}:${PORTS.temporal}`),
  });
  const apps: Partial<Record<AppName, ContainerApp>> = { zep, temporal };
  for (const a of CLIENT_APPS) apps[a] = app(a, plans[a], specs[a]);
  // A service of src/services.ts without settings of its own here: its identity's client id, its
  // secretRefs and ingress from the tables, one small replica.
  for (const a of APP_NAMES) apps[a] ??= app(a, plans[a], defaultSpec(deps, a));
  return { ...apps } as Record<AppName, ContainerApp>;
}

/** The apps that call Zep and Temporal, in the order they are made. */
const CLIENT_APPS = ["backend", "worker", "temporal-ui"] as const;

/** Where the clients find Zep and the Temporal frontend (each runtime has its own names). */
export interface PlatformEndpoints {
  zepUrl: pulumi.Input<string>;
  /** host:port of the Temporal frontend (gRPC). */
  temporalHost: pulumi.Input<string>;
}

/**
 * The env-var contract of the backend, the worker and the Temporal UI (DESIGN.md §2; the same
 * names on ACA and AKS), with their ingress, probes, scale and size.
 */
export function clientSpecs(
  ctx: Context,
  platform: Platform,
  deps: AppDeps,
  endpoints: PlatformEndpoints,
): Record<(typeof CLIENT_APPS)[number], AppSpec> {
  const cfg = ctx.cfg;
  const corsOrigins = pulumi
    .all([cfg.frontendOrigins, cfg.devOrigins, deps.webOrigin])
    .apply(([front, dev, swa]) => [...new Set([...front, ...dev, swa])]);
  const common = (s: "backend" | "worker") => ({
    AZURE_CLIENT_ID: deps.identities[s].clientId,
    AZURE_AD_CLIENT_ID: deps.apiClientId,
    AZURE_TENANT_ID: platform.tenantId,
    AZURE_AI_ENDPOINT: cfg.ai.endpoint,
    POSTGRES_HOST: deps.data.postgres.appHost,
    POSTGRES_DB: deps.data.postgres.databases.engram,
    ZEP_API_URL: endpoints.zepUrl,
    TEMPORAL_HOST: endpoints.temporalHost,
    ...(deps.appInsightsConnectionString !== undefined
      ? { APPLICATIONINSIGHTS_CONNECTION_STRING: deps.appInsightsConnectionString }
      : {}),
  });
  return {
    backend: {
      env: {
        ...common("backend"),
        AUTH_REQUIRED: String(cfg.decisions.authRequired.value),
        ALLOW_DEV_TOKENS: String(cfg.decisions.allowDevTokens.value),
        CORS_ORIGINS: corsOrigins.apply((o) => o.join(",")),
      },
      // External: public without the WAF; with it, the environment is internal and "external"
      // means reachable from the VNet (the gateway) only.
      ingress: { corsOrigins },
      health: { kind: "http", port: PORTS.backend, path: "/health" },
      replicas: cfg.fixed.replicas,
      resources: { cpu: 1, memory: "2Gi" },
    },
    worker: {
      env: common("worker"),
      replicas: { min: 1, max: 3 },
      resources: { cpu: 1, memory: "2Gi" },
    },
    "temporal-ui": {
      env: { TEMPORAL_ADDRESS: endpoints.temporalHost, TEMPORAL_UI_PORT: String(PORTS.temporalUi) },
      ingress: { allowedIpRanges: cfg.fixed.temporalUiAllowlist ? cfg.adminIpAllowlist : [] },
      health: { kind: "http", port: PORTS.temporalUi, path: "/" },
      replicas: { min: 0, max: 1 },
      resources: { cpu: 0.25, memory: "0.5Gi" },
    },
  };
}

/** A service of src/services.ts without settings of its own: its client id, one small replica. */
export function defaultSpec(deps: Pick<AppDeps, "identities">, a: AppName): AppSpec {
  return {
    env: isServiceName(a) ? { AZURE_CLIENT_ID: deps.identities[a].clientId } : {},
    replicas: { min: 1, max: 1 },
    resources: { cpu: 0.5, memory: "1Gi" },
  };
}

/** Zep and the Temporal server, both internal, on the platform Postgres server. */
export function platformSpecs(
  deps: Pick<AppDeps, "identities" | "data">,
): Record<"zep" | "temporal", AppSpec> {
  const pg = deps.data.postgres;
  return {
    zep: {
      env: {
        AZURE_CLIENT_ID: deps.identities.zep.clientId,
        POSTGRES_HOST: pg.platformHost,
        POSTGRES_USER: pg.platformLogin,
        POSTGRES_DB: pg.databases.zep,
      },
      health: { kind: "http", port: PORTS.zep, path: "/healthz" },
      replicas: { min: 1, max: 2 },
      resources: { cpu: 0.5, memory: "1Gi" },
    },
    temporal: {
      env: {
        AZURE_CLIENT_ID: deps.identities.temporal.clientId,
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
      health: { kind: "tcp", port: PORTS.temporal },
      // One frontend/history/matching process; more replicas need a ringpop-aware setup.
      replicas: { min: 1, max: 1 },
      resources: { cpu: 1, memory: "2Gi" },
    },
  };
}
