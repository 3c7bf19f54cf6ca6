import * as pulumi from "@pulumi/pulumi";
import { ServiceIdentity } from "../../../../components/service-identity";
import { Context, Platform } from "../../../context";
import { ServiceIdentities } from "../../identities";
import { NetworkLayer } from "../../network";
import { AppSpec } from "../apps";
import { AppName, AppPlans } from "../plans";
import { AksClusterLayer } from "./cluster";

export interface WorkloadDeps {
  cluster: AksClusterLayer;
  identities: ServiceIdentities;
  /** The Temporal UI's own identity (when it has one). */
  uiIdentity?: ServiceIdentity;
  /** Each app's identity, Key Vault secrets (env var → secret), mTLS files, grants. */
  plans: AppPlans;
  /** Each app's env vars, probe, replicas and size (the same contract as on ACA). */
  specs: Record<AppName, AppSpec>;
  network: NetworkLayer;
}

export interface Workloads {
  /** The backend Service's static private IP (internal load balancer in the AKS subnet). */
  backendIp: string;
  /** The port that load balancer listens on. */
  backendPort: number;
}

/** The workloads of DESIGN.md §11 in namespace `engram`. */
export function buildWorkloads(ctx: Context, platform: Platform, deps: WorkloadDeps): Workloads {
  throw new Error(
    `the AKS workloads are not built yet (${ctx.cfg.environment}, ${String(platform)}, ${String(deps)}, ${String(pulumi)})`,
  );
}
