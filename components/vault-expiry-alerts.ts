import * as pulumi from "@pulumi/pulumi";
import * as eventgrid from "@pulumi/azure-native/eventgrid";

/** One expiry alert: the Key Vault events it covers and the Azure Monitor alert they raise. */
export interface VaultExpiryAlertSpec {
  /** The event subscription's Azure name (`evgs-engram-<env>-<key>`). */
  subscriptionName: string;
  /** Key Vault event types, e.g. `Microsoft.KeyVault.SecretNearExpiry`. */
  eventTypes: readonly string[];
  severity: eventgrid.MonitorAlertSeverity;
  /** What to do; it becomes the alert's description. */
  description: string;
}

export interface VaultExpiryAlertsArgs {
  resourceGroupName: pulumi.Input<string>;
  /** The vault's region: a system topic lives where its source does. */
  location: pulumi.Input<string>;
  tags: Record<string, string>;
  vaultId: pulumi.Input<string>;
  /** The system topic's Azure name (`egst-engram-<env>-kv`). */
  topicName: string;
  /** The action group every alert notifies. */
  actionGroupId: pulumi.Input<string>;
  /** Alerts by a stable key (logical names derive from it). */
  alerts: Record<string, VaultExpiryAlertSpec>;
}

/**
 * Alerts on Key Vault secrets that are about to expire or have expired: the vault's Event Grid
 * system topic, and per alert an event subscription whose destination is an Azure Monitor alert to
 * the environment's action group. Event Grid uses its own identity for this destination; the topic
 * needs none. Resources that must be covered from their first version (the vault's secrets) depend
 * on this component.
 */
export class VaultExpiryAlerts extends pulumi.ComponentResource {
  readonly topicId: pulumi.Output<string>;
  /** Event subscription ids by key. */
  readonly subscriptionIds: Record<string, pulumi.Output<string>>;

  constructor(name: string, args: VaultExpiryAlertsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("engram:observability:VaultExpiryAlerts", name, {}, opts);

    const topic = new eventgrid.SystemTopic(
      `${name}-topic`,
      {
        systemTopicName: args.topicName,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        source: args.vaultId,
        topicType: "Microsoft.KeyVault.vaults",
        tags: args.tags,
      },
      { parent: this },
    );
    this.topicId = topic.id;

    this.subscriptionIds = {};
    for (const key of Object.keys(args.alerts).sort()) {
      const a = args.alerts[key];
      const subscription = new eventgrid.SystemTopicEventSubscription(
        `${name}-${key}`,
        {
          eventSubscriptionName: a.subscriptionName,
          systemTopicName: topic.name,
          resourceGroupName: args.resourceGroupName,
          // The only schema the Azure Monitor alert destination accepts.
          eventDeliverySchema: eventgrid.EventDeliverySchema.CloudEventSchemaV1_0,
          filter: { includedEventTypes: [...a.eventTypes] },
          destination: {
            endpointType: "MonitorAlert",
            severity: a.severity,
            description: a.description,
            actionGroups: [args.actionGroupId],
          },
        },
        { parent: this },
      );
      this.subscriptionIds[key] = subscription.id;
    }

    this.registerOutputs({ topicId: this.topicId, subscriptionIds: this.subscriptionIds });
  }
}
