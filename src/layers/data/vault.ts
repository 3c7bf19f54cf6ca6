import * as pulumi from "@pulumi/pulumi";
import { KeyVault } from "../../../components/key-vault";
import { VaultExpiryAlerts } from "../../../components/vault-expiry-alerts";
import { Context, Platform } from "../../context";
import { VAULT_EXPIRY_ALERTS } from "../../observability/alerts";
import { applyAccess } from "../grants";
import { NetworkLayer } from "../network";
import type { Monitoring } from "../observability";

/**
 * The environment's Key Vault (DESIGN.md §3, §6): public only in the lower environments, behind a
 * default-Deny firewall; groups.security reads its metadata. Where alerts are on, its expiry
 * alerts, which must exist before any secret (Key Vault raises expiry events only for versions
 * written after that).
 */
export function buildVault(
  ctx: Context,
  platform: Platform,
  deps: { network: NetworkLayer; monitoring: Pick<Monitoring, "actionGroupId"> },
): { vault: KeyVault; expiryAlerts?: VaultExpiryAlerts } {
  const cfg = ctx.cfg;
  const d = cfg.decisions;
  const common = {
    resourceGroupName: platform.resourceGroupName,
    location: platform.location,
    tags: ctx.tags,
  };
  const vault = new KeyVault("kv", {
    ...common,
    vaultName: ctx.name("keyVault"),
    tenantId: platform.tenantId,
    softDeleteRetentionDays: d.keyVaultRetentionDays.value,
    purgeProtection: d.purgeProtection.value,
    publicNetworkAccess: !d.privateEndpoints.value,
    allowedIpRanges: cfg.adminIpAllowlist,
    // The aca subnet's service endpoints (dev/test); on AKS (higher envs only) the private endpoints.
    allowedSubnetIds: deps.network.subnets.aca ? [deps.network.subnets.aca.id] : [],
    protect: ctx.protect,
  });
  // Its rows of src/access.ts on the vault itself (groups.security: Key Vault Reader).
  applyAccess(
    ctx,
    platform,
    "kv",
    { id: vault.id, label: "kv" },
    { identities: {}, groups: cfg.groups },
    () => ({
      parent: vault,
    }),
  );

  const expiryAlerts = d.alerts.value
    ? new VaultExpiryAlerts("kv-expiry-alerts", {
        ...common,
        vaultId: vault.id,
        topicName: ctx.name("eventGridSystemTopic", "kv"),
        actionGroupId: deps.monitoring.actionGroupId,
        alerts: Object.fromEntries(
          Object.values(VAULT_EXPIRY_ALERTS).map((a) => [
            a.key,
            {
              subscriptionName: ctx.name("eventGridSubscription", a.key),
              eventTypes: a.eventTypes,
              severity: a.severity,
              description: a.action,
            },
          ]),
        ),
      })
    : undefined;
  return { vault, expiryAlerts };
}

/** Versionless URL of a vault secret: `${vaultUri}secrets/<name>` (always the current version). */
export const secretUrlOf = (vault: Pick<KeyVault, "vaultUri">, name: string): pulumi.Output<string> =>
  pulumi.interpolate`${vault.vaultUri}secrets/${name}`;
