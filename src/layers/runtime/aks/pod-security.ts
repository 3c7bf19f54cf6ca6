import { PodSecurity } from "../../../../components/k8s-pod";
import { AppName } from "../plans";

/**
 * How each image runs under Pod Security `restricted` (docs/aks.md, "Workloads"). Every pod runs
 * as a numeric non-root uid with no privilege escalation, all capabilities dropped and the
 * RuntimeDefault seccomp profile; the root filesystem is read-only where the image writes only to
 * /tmp (an emptyDir). The Temporal images render their config file from a template into their own
 * config directory at start, so their root filesystem stays writable.
 */
export const POD_SECURITY: Record<AppName, PodSecurity & { why: string }> = {
  backend: { runAsUser: 10001, readOnlyRootFilesystem: true, why: "Engram image: writes only to /tmp" },
  worker: { runAsUser: 10001, readOnlyRootFilesystem: true, why: "Engram image: writes only to /tmp" },
  zep: {
    runAsUser: 10001,
    readOnlyRootFilesystem: true,
    why: "Zep server: reads its config, writes only to /tmp",
  },
  temporal: {
    runAsUser: 1000,
    readOnlyRootFilesystem: false,
    why: "temporalio/server renders config/docker.yaml at start (uid 1000 is the image's temporal user)",
  },
  "temporal-ui": {
    runAsUser: 1000,
    readOnlyRootFilesystem: false,
    why: "temporalio/ui renders config/docker.yaml at start (uid 1000 is the image's temporal user)",
  },
};
