import * as pulumi from "@pulumi/pulumi";
import { Namespace } from "@pulumi/kubernetes/core/v1";

export interface K8sNamespaceArgs {
  name: string;
  labels: Record<string, string>;
  /**
   * The Pod Security Standards version enforced, audited and warned (pinned, so a cluster upgrade
   * never changes the profile silently).
   * @default "v1.30"
   */
  podSecurityVersion?: string;
}

/** The Pod Security admission labels of the `restricted` profile (enforce, audit, warn). */
export function podSecurityLabels(version: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const mode of ["enforce", "audit", "warn"]) {
    out[`pod-security.kubernetes.io/${mode}`] = "restricted";
    out[`pod-security.kubernetes.io/${mode}-version`] = version;
  }
  return out;
}

/**
 * The workloads' namespace, admitting only pods of the Pod Security `restricted` profile: a pod
 * running as root, escalating privileges, keeping capabilities or without a seccomp profile is
 * refused by the API server, whatever manifest asks for it.
 */
export class K8sNamespace extends pulumi.ComponentResource {
  readonly namespace: Namespace;

  constructor(name: string, args: K8sNamespaceArgs, opts: pulumi.ComponentResourceOptions) {
    super("engram:aks:Namespace", name, {}, opts);
    this.namespace = new Namespace(
      `${name}-ns`,
      {
        metadata: {
          name: args.name,
          labels: { ...args.labels, ...podSecurityLabels(args.podSecurityVersion ?? "v1.30") },
        },
      },
      { parent: this },
    );
    this.registerOutputs({});
  }
}
