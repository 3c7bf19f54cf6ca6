import * as pulumi from "@pulumi/pulumi";
import { Context, Platform } from "../../../context";
import { NetworkLayer } from "../../network";

/** What the workloads, the WAF and the alerts layer need of the cluster. */
export interface AksClusterLayer {
  /** The ManagedCluster resource (parent/dependsOn for what runs on it). */
  cluster: pulumi.Resource;
  clusterId: pulumi.Output<string>;
  clusterName: pulumi.Output<string>;
  /** The cluster's OIDC issuer URL (the federated credentials' issuer). */
  oidcIssuerUrl: pulumi.Output<string>;
  /**
   * A kubeconfig for the Kubernetes provider: the cluster's private server and CA with an Entra
   * exec credential (kubelogin), never an admin or local account. A secret Output.
   */
  kubeconfig: pulumi.Output<string>;
}

export interface ClusterDeps {
  network: NetworkLayer;
  workspaceId: pulumi.Input<string>;
}

/** The private AKS cluster of DESIGN.md §11. */
export function buildCluster(ctx: Context, platform: Platform, deps: ClusterDeps): AksClusterLayer {
  throw new Error(
    `the AKS cluster is not built yet (${ctx.cfg.environment}, ${String(platform)}, ${String(deps)})`,
  );
}
