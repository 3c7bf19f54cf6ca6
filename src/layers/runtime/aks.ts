import * as pulumi from "@pulumi/pulumi";
import { Context, Platform } from "../../context";
import { buildWafFront } from "./waf";
import { clientSpecs, defaultSpec, platformSpecs, PORTS } from "./apps";
import { wireTemporalMtls } from "./temporal-mtls";
import { APP_NAMES, AppName } from "./plans";
import { buildCluster } from "./aks/cluster";
import { AKS_NAMESPACE, serviceDns } from "./aks/names";
import { buildWorkloads } from "./aks/workloads";
import type { AppSpec } from "./apps";
import { finishPlans, RuntimeDeps, RuntimeLayer, sharedRuntime } from "./shared";

/**
 * Prod on AKS (DESIGN.md §11; SOP 000 "prod (AKS)"): the private cluster, then the workloads in
 * namespace `engram` with the same identities, per-secret grants and env-var contract as on
 * Container Apps, the network policies, and the WAF in front of the backend's internal load
 * balancer. Each concern is a module of aks/.
 */
export function buildAksRuntime(ctx: Context, platform: Platform, deps: RuntimeDeps): RuntimeLayer {
  const shared = sharedRuntime(ctx, platform, deps);
  const { ui, plans } = shared;
  const controlPlane = deps.platformIdentities["aks-control-plane"];
  const kubelet = deps.platformIdentities["aks-kubelet"];
  if (!controlPlane || !kubelet) throw new Error("runtime aks: the identities layer made no AKS identities");
  const cluster = buildCluster(ctx, platform, {
    network: deps.network,
    workspaceId: deps.workspaceId,
    identities: { controlPlane, kubelet },
  });
  // The Temporal frontend's certificate names the Service clients dial.
  const tlsGrants = ctx.cfg.decisions.temporalMtls.value
    ? wireTemporalMtls(
        ctx,
        platform,
        { name: serviceDns("temporal"), dnsNames: ["temporal", `temporal.${AKS_NAMESPACE}`] },
        deps.data,
        ui,
        plans,
      )
    : {};
  finishPlans(shared, deps, tlsGrants);

  const specs = appSpecsOnAks(ctx, platform, deps);
  const workloads = buildWorkloads(ctx, platform, {
    cluster,
    identities: deps.identities,
    uiIdentity: ui,
    plans,
    specs,
    network: deps.network,
    vaultName: deps.data.vaultName,
  });
  const gateway = ctx.cfg.decisions.waf.value
    ? buildWafFront(ctx, platform, deps, {
        ipAddress: workloads.backendIp,
        port: workloads.backendPort,
        protocol: "Http",
      })
    : undefined;
  return {
    diagnosticTargets: {
      managedClusterId: cluster.clusterId,
      ...(gateway ? { applicationGatewayId: gateway.id } : {}),
    },
    outputs: {
      backendUrl: pulumi.output(`http://${workloads.backendIp}:${workloads.backendPort}`),
      ...(gateway ? { apiPublicIp: gateway.publicIpAddress } : {}),
      aksClusterName: cluster.clusterName,
    },
  };
}

/** The apps' specs with the cluster's Service names for Zep and the Temporal frontend. */
function appSpecsOnAks(ctx: Context, platform: Platform, deps: RuntimeDeps): Record<AppName, AppSpec> {
  const specs: Partial<Record<AppName, AppSpec>> = {
    ...platformSpecs(deps),
    ...clientSpecs(ctx, platform, deps, {
      zepUrl: `http://${serviceDns("zep")}:${PORTS.zep}`,
      temporalHost: `${serviceDns("temporal")}:${PORTS.temporal}`,
    }),
  };
  for (const a of APP_NAMES) specs[a] ??= defaultSpec(deps, a);
  return specs as Record<AppName, AppSpec>;
}
