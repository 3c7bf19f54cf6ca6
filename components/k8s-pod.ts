import * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes/types/input";
import { byKey } from "../lib/text";
import { HealthProbe } from "./container-app";

/** The Secrets Store CSI driver (AKS add-on azure-keyvault-secrets-provider). */
export const CSI_DRIVER = "secrets-store.csi.k8s.io";
/** Where every app's CSI volume is mounted (each Key Vault secret a file named like the secret). */
export const SECRETS_MOUNT = "/mnt/secrets-store";
/** The label every object of an app carries (its name), and what its selectors match. */
export const APP_LABEL = "app.kubernetes.io/name";
/** The workload identity webhook's pod label (AKS: opt-in per pod). */
export const WORKLOAD_IDENTITY_LABEL = "azure.workload.identity/use";

/** How the image runs under Pod Security `restricted`. */
export interface PodSecurity {
  /** A numeric non-root uid (runAsNonRoot can then be verified by the kubelet). */
  runAsUser: number;
  /** Whether the image runs with a read-only root filesystem (writable /tmp in both cases). */
  readOnlyRootFilesystem: boolean;
}

export interface PodArgs {
  app: string;
  labels: Record<string, string>;
  image: string;
  /** Label the pod for the workload identity webhook (it injects the projected token). */
  workloadIdentity: boolean;
  /** The SecretProviderClass the CSI volume uses; absent: no secrets, no CSI volume. */
  secretProviderClass?: string;
  /** The Kubernetes Secret the CSI driver syncs the env secrets into (at mount). */
  syncedSecret: string;
  /** env var -> Key Vault secret name (a key of the synced Secret). */
  secretEnv: Record<string, string>;
  /** Files at fixed paths (Temporal mTLS): absolute path -> Key Vault secret name. */
  secretFiles: Record<string, string>;
  env: Record<string, pulumi.Input<string>>;
  containerPort?: { name: string; port: number };
  health?: HealthProbe;
  resources: { cpu: number; memory: string };
  security: PodSecurity;
  /** Spread replicas over zones (and nodes). */
  zoneSpread: boolean;
}

/** CPU in cores as a Kubernetes quantity in millicores. */
export const cpuQuantity = (cpu: number): string => `${Math.round(cpu * 1000)}m`;

function probes(h: HealthProbe | undefined): Pick<k8s.core.v1.Container, "livenessProbe" | "readinessProbe"> {
  if (!h) return {};
  const target =
    h.kind === "http"
      ? { httpGet: { path: h.path ?? "/", port: h.port, scheme: "HTTP" } }
      : { tcpSocket: { port: h.port } };
  return {
    livenessProbe: {
      ...target,
      initialDelaySeconds: 10,
      periodSeconds: 15,
      failureThreshold: 3,
      timeoutSeconds: 5,
    },
    readinessProbe: {
      ...target,
      initialDelaySeconds: 5,
      periodSeconds: 10,
      failureThreshold: 3,
      timeoutSeconds: 5,
    },
  };
}

function envOf(a: PodArgs): k8s.core.v1.EnvVar[] {
  return [
    ...Object.entries(a.env)
      .sort(byKey)
      .map(([name, value]) => ({ name, value })),
    ...Object.entries(a.secretEnv)
      .sort(byKey)
      .map(([name, key]) => ({ name, valueFrom: { secretKeyRef: { name: a.syncedSecret, key } } })),
  ];
}

function mountsOf(a: PodArgs): { volumes: k8s.core.v1.Volume[]; mounts: k8s.core.v1.VolumeMount[] } {
  const volumes: k8s.core.v1.Volume[] = [{ name: "tmp", emptyDir: { sizeLimit: "256Mi" } }];
  const mounts: k8s.core.v1.VolumeMount[] = [{ name: "tmp", mountPath: "/tmp" }];
  if (a.secretProviderClass) {
    volumes.push({
      name: "secrets-store",
      csi: {
        driver: CSI_DRIVER,
        readOnly: true,
        volumeAttributes: { secretProviderClass: a.secretProviderClass },
      },
    });
    mounts.push({ name: "secrets-store", mountPath: SECRETS_MOUNT, readOnly: true });
    // Each file at the path the app reads (the same as on Container Apps); a rotation rolls the
    // pods (the rotation stamp env var), so a subPath mount never serves a stale certificate.
    for (const [path, secret] of Object.entries(a.secretFiles).sort(byKey))
      mounts.push({ name: "secrets-store", mountPath: path, subPath: secret, readOnly: true });
  }
  return { volumes, mounts };
}

/** The pod template of one app: restricted-profile security, its secrets through the CSI driver. */
export function podTemplate(a: PodArgs): k8s.core.v1.PodTemplateSpec {
  const { volumes, mounts } = mountsOf(a);
  const selector = { matchLabels: { [APP_LABEL]: a.app } };
  const spread = (topologyKey: string) => ({
    maxSkew: 1,
    topologyKey,
    // Prefer the spread, never block a reschedule while a zone is down.
    whenUnsatisfiable: "ScheduleAnyway",
    labelSelector: selector,
  });
  return {
    metadata: {
      labels: { ...a.labels, ...(a.workloadIdentity ? { [WORKLOAD_IDENTITY_LABEL]: "true" } : {}) },
    },
    spec: {
      serviceAccountName: a.app,
      // No app calls the Kubernetes API; the webhook's projected token is its own volume.
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      securityContext: {
        runAsNonRoot: true,
        runAsUser: a.security.runAsUser,
        runAsGroup: a.security.runAsUser,
        fsGroup: a.security.runAsUser,
        seccompProfile: { type: "RuntimeDefault" },
      },
      ...(a.zoneSpread
        ? {
            topologySpreadConstraints: [
              spread("topology.kubernetes.io/zone"),
              spread("kubernetes.io/hostname"),
            ],
          }
        : {}),
      containers: [
        {
          name: "main",
          image: a.image,
          ...(a.containerPort
            ? {
                ports: [{ name: a.containerPort.name, containerPort: a.containerPort.port, protocol: "TCP" }],
              }
            : {}),
          env: envOf(a),
          ...probes(a.health),
          resources: {
            // Requests equal limits: Guaranteed QoS, no noisy neighbour, predictable autoscaling.
            requests: { cpu: cpuQuantity(a.resources.cpu), memory: a.resources.memory },
            limits: { cpu: cpuQuantity(a.resources.cpu), memory: a.resources.memory },
          },
          securityContext: {
            runAsNonRoot: true,
            allowPrivilegeEscalation: false,
            privileged: false,
            readOnlyRootFilesystem: a.security.readOnlyRootFilesystem,
            capabilities: { drop: ["ALL"] },
            seccompProfile: { type: "RuntimeDefault" },
          },
          volumeMounts: mounts,
        },
      ],
      volumes,
    },
  };
}
