import { APP_LABEL } from "../../../../components/k8s-pod";
import { AppName } from "../plans";

export { APP_LABEL };

/** The one namespace the workloads run in (DESIGN.md §11). */
export const AKS_NAMESPACE = "engram";

/** An app's Service DNS name inside the cluster: `<app>.engram.svc.cluster.local`. */
export const serviceDns = (a: AppName): string => `${a}.${AKS_NAMESPACE}.svc.cluster.local`;

/** The pods of one app. */
export const appSelector = (a: AppName): { matchLabels: Record<string, string> } => ({
  matchLabels: { [APP_LABEL]: a },
});
