import { Context, Platform } from "../../context";
import { buildApps } from "./apps";
import { appNameOf, buildEnvironment, internalFqdnOf } from "./environment";
import { finishPlans, RuntimeDeps, RuntimeLayer, sharedRuntime } from "./shared";
import { wireTemporalMtls } from "./temporal-mtls";
import { buildWafFront } from "./waf";

/**
 * The Container Apps runtime (DESIGN.md §2, §3, §6): the environment, the five apps with Key
 * Vault references and secretRefs derived from src/services.ts, Temporal mTLS when the matrix says
 * so, and the WAF in front of the API when it is on. Each concern is a module of runtime/.
 */
export function buildAcaRuntime(ctx: Context, platform: Platform, deps: RuntimeDeps): RuntimeLayer {
  const decisions = ctx.cfg.decisions;
  const environment = buildEnvironment(ctx, platform, deps.network);
  const shared = sharedRuntime(ctx, platform, deps);
  const { ui, plans } = shared;
  const tlsGrants = decisions.temporalMtls.value
    ? wireTemporalMtls(
        ctx,
        platform,
        { name: appNameOf(ctx, "temporal"), dnsNames: [internalFqdnOf(ctx, environment, "temporal")] },
        deps.data,
        ui,
        plans,
      )
    : {};
  finishPlans(shared, deps, tlsGrants);

  const apps = buildApps(ctx, platform, deps, environment, plans);
  const gateway = decisions.waf.value
    ? buildWafFront(ctx, platform, deps, { fqdn: apps.backend.fqdn.apply((f) => f ?? "") })
    : undefined;

  return {
    diagnosticTargets: {
      managedEnvironmentId: environment.id,
      ...(gateway ? { applicationGatewayId: gateway.id } : {}),
    },
    outputs: {
      backendUrl: apps.backend.fqdn.apply((f) => `https://${f ?? ""}`),
      ...(gateway ? { apiPublicIp: gateway.publicIpAddress } : {}),
    },
  };
}
