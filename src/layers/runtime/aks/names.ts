import { AppName } from "../plans";

/** The one namespace the workloads run in (DESIGN.md §11). */
export const AKS_NAMESPACE = "engram";

/** An app's Service DNS name inside the cluster: `<app>.engram.svc.cluster.local`. */
export const serviceDns = (a: AppName): string => `${a}.${AKS_NAMESPACE}.svc.cluster.local`;

/** The subject of an app's federated credential: its ServiceAccount in `engram`. */
export const serviceAccountSubject = (a: AppName): string => `system:serviceaccount:${AKS_NAMESPACE}:${a}`;

/** The label every object of an app carries, and what its Service, PDB and policies select. */
export const APP_LABEL = "app.kubernetes.io/name";

/** The pods of one app. */
export const appSelector = (a: AppName): { matchLabels: Record<string, string> } => ({
  matchLabels: { [APP_LABEL]: a },
});
