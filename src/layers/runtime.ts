import { Context, Platform } from "../context";
import { buildAcaRuntime } from "./runtime/aca";
import { buildAksRuntime } from "./runtime/aks";
import { RuntimeDeps, RuntimeLayer } from "./runtime/shared";

export { PORTS } from "./runtime/apps";
export { APP_NAMES } from "./runtime/plans";
export type { AppName } from "./runtime/plans";
export { TEMPORAL_TLS_SECRETS, TLS_MOUNT } from "./runtime/temporal-mtls";
export type { TemporalTlsReader, TemporalTlsSecret } from "./runtime/temporal-mtls";
export { APPGW_CERT_SECRET } from "./runtime/waf";
export type { RuntimeDeps, RuntimeLayer, SharedRuntime } from "./runtime/shared";

/**
 * The runtime the matrix chose (`engram:runtime`, DESIGN.md §1, §11): Container Apps, or the
 * private AKS cluster of src/layers/runtime/aks.ts. Identities, per-secret grants and the env-var
 * contract are the same on both.
 */
export function buildRuntime(ctx: Context, platform: Platform, deps: RuntimeDeps): RuntimeLayer {
  return ctx.cfg.decisions.runtime.value === "aks"
    ? buildAksRuntime(ctx, platform, deps)
    : buildAcaRuntime(ctx, platform, deps);
}
