import { byKey } from "../lib/text";
import * as pulumi from "@pulumi/pulumi";
import * as app from "@pulumi/azure-native/app";
import * as types from "@pulumi/azure-native/types";
import { CONSUMPTION_PROFILE } from "./container-apps-environment";
import { isSecretLikeEnv } from "../lib/env-vars";

/** The user-assigned identity an app runs as. */
export interface AppIdentity {
  /** ARM id of the user-assigned managed identity. */
  id: pulumi.Input<string>;
}

/** How the app is reached. Absent: no ingress at all (the worker). */
export interface AppIngress {
  /**
   * Reachable from outside the environment. In an internal environment that means from the VNet
   * only (the WAF's backend); in an external one, from the internet.
   * @default false
   */
  external?: boolean;
  targetPort: number;
  /** `tcp` needs `exposedPort` (e.g. Temporal gRPC 7233). @default "http" */
  transport?: "http" | "tcp";
  /** The port other apps connect to; TCP only. @default targetPort */
  exposedPort?: number;
  /** CIDRs allowed in (everything else is denied). @default [] (no restriction beyond the ingress scope) */
  allowedIpRanges?: readonly string[];
  /** Browser origins for the ingress CORS policy (never `*`). @default none: no CORS policy */
  corsOrigins?: pulumi.Input<string[]>;
}

/** A file-per-secret volume: `<mountPath>/<file>` holds the Key Vault secret's value. */
export interface SecretVolume {
  mountPath: string;
  /** file name -> Container App secret name (a key of `keyVaultSecrets`). */
  files: Record<string, string>;
}

export interface HealthProbe {
  /** HTTP GET on `path`, or a TCP connect. */
  kind: "http" | "tcp";
  port: number;
  /** HTTP only. */
  path?: string;
}

export interface ContainerAppArgs {
  /** The Azure name, from the naming helper (`ca-engram-<env>-<service>`). */
  appName: string;
  resourceGroupName: pulumi.Input<string>;
  location: pulumi.Input<string>;
  tags: Record<string, string>;
  environmentId: pulumi.Input<string>;
  /**
   * The service's own user-assigned identity: Key Vault references and registry pulls use it.
   * Absent: the app has no identity, hence no secrets and no registry (a public image).
   * @default none
   */
  identity?: AppIdentity;
  /** Image reference from config (pinned by digest in uat, staging and prod). */
  image: string;
  /**
   * Login server of an Azure Container Registry pulled with `identity` (AcrPull). Absent: public
   * images, no registry entry (never an admin user or a password).
   * @default none
   */
  registryServer?: string;
  /**
   * Container App secrets, each a Key Vault reference: secret name -> versionless Key Vault secret
   * URL (`<vaultUri>secrets/<name>`), read with `identity`. There is no way to pass a value.
   * @default {}
   */
  keyVaultSecrets?: Record<string, pulumi.Input<string>>;
  /** Environment variables from secrets: env var -> secret name (a key of `keyVaultSecrets`). @default {} */
  secretEnv?: Record<string, string>;
  /** Plain, non-secret environment variables. A secret-looking name is refused. @default {} */
  env?: Record<string, pulumi.Input<string>>;
  /** Secret volumes (Temporal mTLS material). @default {} */
  secretVolumes?: Record<string, SecretVolume>;
  /**
   * A non-secret value that changes when a secret this app reads is rotated (e.g. the rotation
   * time). It is set as ENGRAM_SECRETS_ROTATED, so a rotation produces a new revision: running
   * replicas keep the secret values they started with.
   * @default none
   */
  rotationStamp?: pulumi.Input<string>;
  ingress?: AppIngress;
  /** Liveness and readiness probe. @default none */
  health?: HealthProbe;
  replicas: { min: number; max: number };
  resources: { cpu: number; memory: string };
  /**
   * The role assignments the app needs before its first revision starts (Key Vault references are
   * resolved, and the image pulled, at revision start). The app depends on exactly these.
   * @default []
   */
  grants?: pulumi.Resource[];
}

/** The env var that carries the rotation stamp. */
export const ROTATION_ENV = "ENGRAM_SECRETS_ROTATED";

/**
 * One Engram service as a Container App (DESIGN.md §2, §3; SOP 002 flow: Key Vault → Container App
 * secret (Key Vault reference) → `secretRef` env var). Secrets exist only as Key Vault references
 * through the service's own identity; there is no argument that takes a secret value.
 */
export class ContainerApp extends pulumi.ComponentResource {
  readonly id: pulumi.Output<string>;
  readonly name: pulumi.Output<string>;
  /** The app's stable ingress FQDN (not a revision's); undefined without ingress. */
  readonly fqdn: pulumi.Output<string | undefined>;

  constructor(name: string, args: ContainerAppArgs, opts?: pulumi.ComponentResourceOptions) {
    super("engram:runtime:ContainerApp", name, {}, opts);
    const kvSecrets = args.keyVaultSecrets ?? {};
    const volumes = args.secretVolumes ?? {};
    const identity = args.identity;
    checkWiring(args);
    const ingress = args.ingress && ingressOf(args.appName, args.ingress);

    const ca = new app.ContainerApp(
      `${name}-app`,
      {
        containerAppName: args.appName,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        environmentId: args.environmentId,
        workloadProfileName: CONSUMPTION_PROFILE,
        identity: identity
          ? { type: "UserAssigned", userAssignedIdentities: [identity.id] }
          : { type: "None" },
        configuration: {
          activeRevisionsMode: "Single",
          ...(ingress ? { ingress } : {}),
          secrets: identity
            ? Object.entries(kvSecrets)
                .sort(byKey)
                .map(([secretName, keyVaultUrl]) => ({
                  name: secretName,
                  keyVaultUrl,
                  identity: identity.id,
                }))
            : [],
          registries:
            args.registryServer && identity ? [{ server: args.registryServer, identity: identity.id }] : [],
        },
        template: {
          containers: [
            {
              name: "main",
              image: args.image,
              env: envOf(args),
              probes: probesOf(args.health),
              resources: args.resources,
              volumeMounts: Object.entries(volumes).map(([volumeName, v]) => ({
                volumeName,
                mountPath: v.mountPath,
              })),
            },
          ],
          volumes: Object.entries(volumes).map(([volumeName, v]) => ({
            name: volumeName,
            storageType: "Secret",
            secrets: Object.entries(v.files).map(([path, secretRef]) => ({ path, secretRef })),
          })),
          scale: { minReplicas: args.replicas.min, maxReplicas: args.replicas.max },
        },
        tags: args.tags,
      },
      { parent: this, dependsOn: args.grants ?? [] },
    );
    this.id = ca.id;
    this.name = ca.name;
    this.fqdn = ca.configuration.apply((c) => c?.ingress?.fqdn);
    this.registerOutputs({ id: this.id, name: this.name, fqdn: this.fqdn });
  }
}

/** Every secretRef and secret file names a secret the app references; no secret-like plain env. */
function checkWiring(args: ContainerAppArgs): void {
  const kvSecrets = args.keyVaultSecrets ?? {};
  const secretEnv = args.secretEnv ?? {};
  if (!args.identity && (Object.keys(kvSecrets).length > 0 || args.registryServer))
    throw new Error(`${args.appName}: Key Vault references and registry pulls need the app's identity`);
  for (const [envVar, secret] of Object.entries(secretEnv))
    if (!(secret in kvSecrets))
      throw new Error(
        `${args.appName}: env var ${envVar} refers to secret ${secret}, which the app does not reference`,
      );
  for (const [vol, v] of Object.entries(args.secretVolumes ?? {}))
    for (const [file, secret] of Object.entries(v.files))
      if (!(secret in kvSecrets))
        throw new Error(
          `${args.appName}: volume ${vol} file ${file} refers to secret ${secret}, which the app does not reference`,
        );
  for (const envVar of Object.keys(args.env ?? {})) {
    if (envVar in secretEnv)
      throw new Error(`${args.appName}: env var ${envVar} is both plain and a secretRef`);
    if (isSecretLikeEnv(envVar))
      throw new Error(
        `${args.appName}: env var ${envVar} looks like a secret; pass it as a Key Vault secretRef (SOP 002)`,
      );
  }
}

/** Plain env vars, then secretRefs, each sorted by name, then the rotation stamp. */
function envOf(args: ContainerAppArgs): pulumi.Input<types.input.app.EnvironmentVarArgs>[] {
  return [
    ...Object.entries(args.env ?? {})
      .sort(byKey)
      .map(([n, value]) => ({ name: n, value })),
    ...Object.entries(args.secretEnv ?? {})
      .sort(byKey)
      .map(([n, secretRef]) => ({ name: n, secretRef })),
    ...(args.rotationStamp !== undefined ? [{ name: ROTATION_ENV, value: args.rotationStamp }] : []),
  ];
}

/** Liveness and readiness on the app's health endpoint (HTTP path or TCP port). */
function probesOf(h: HealthProbe | undefined): types.input.app.ContainerAppProbeArgs[] {
  if (!h) return [];
  const target =
    h.kind === "http"
      ? { httpGet: { path: h.path ?? "/", port: h.port, scheme: "HTTP" } }
      : { tcpSocket: { port: h.port } };
  return [
    {
      type: "Liveness",
      ...target,
      initialDelaySeconds: 10,
      periodSeconds: 15,
      failureThreshold: 3,
      timeoutSeconds: 5,
    },
    {
      type: "Readiness",
      ...target,
      initialDelaySeconds: 5,
      periodSeconds: 10,
      failureThreshold: 3,
      timeoutSeconds: 5,
    },
  ];
}

/** The ingress: HTTPS only, the admin allowlist as IP restrictions, explicit CORS origins. */
function ingressOf(appName: string, ing: AppIngress): types.input.app.IngressArgs {
  return {
    external: ing.external ?? false,
    targetPort: ing.targetPort,
    transport: ing.transport ?? "http",
    ...(ing.transport === "tcp" ? { exposedPort: ing.exposedPort ?? ing.targetPort } : {}),
    // Plain HTTP is redirected to HTTPS by the ingress, never served.
    allowInsecure: false,
    ...(ing.transport === "tcp" ? {} : { clientCertificateMode: "ignore" }),
    traffic: [{ latestRevision: true, weight: 100 }],
    ipSecurityRestrictions: (ing.allowedIpRanges ?? []).map((cidr, i) => ({
      name: `allow-${i}`,
      action: "Allow",
      ipAddressRange: cidr,
      description: "admin IP allowlist (SOP 000: admin surfaces restricted by IP)",
    })),
    ...(ing.corsOrigins ? { corsPolicy: corsPolicyOf(appName, ing.corsOrigins) } : {}),
  };
}

/** CORS for bearer-token callers: explicit origins only, no credentials. */
function corsPolicyOf(appName: string, corsOrigins: pulumi.Input<string[]>): types.input.app.CorsPolicyArgs {
  return {
    allowedOrigins: pulumi.output(corsOrigins).apply((origins) => {
      if (origins.length === 0 || origins.some((o) => o.includes("*")))
        throw new Error(`${appName}: CORS origins are explicit origins, never "*" (SOP 001)`);
      return origins;
    }),
    allowedMethods: ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
    allowedHeaders: ["Authorization", "Content-Type", "Accept", "Mcp-Session-Id", "X-Correlation-Id"],
    // Bearer tokens, not cookies: no credentialed cross-origin requests.
    allowCredentials: false,
    maxAge: 3600,
  };
}
