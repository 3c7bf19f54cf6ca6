import * as pulumi from "@pulumi/pulumi";
import * as monitor from "@pulumi/azure-native/monitor";
import { emailReceiverName } from "../lib/naming";

export interface AlertActionGroupArgs {
  /** The Azure name (`ag-engram-<env>`). */
  actionGroupName: string;
  /** 1-12 characters shown in SMS and e-mail subjects. */
  shortName: string;
  resourceGroupName: pulumi.Input<string>;
  tags: Record<string, string>;
  /** Who is paged: the security / on-call addresses of this environment (engram:alertEmails). */
  emails: readonly string[];
}

/**
 * The environment's action group: every security alert notifies it, and it e-mails the configured
 * addresses with the common alert schema (one payload shape for every alert type, which is what
 * mail rules and ticketing integrations parse).
 */
export class AlertActionGroup extends pulumi.ComponentResource {
  readonly id: pulumi.Output<string>;
  readonly name: pulumi.Output<string>;

  constructor(name: string, args: AlertActionGroupArgs, opts?: pulumi.ComponentResourceOptions) {
    super("engram:observability:AlertActionGroup", name, {}, opts);
    if (args.shortName.length < 1 || args.shortName.length > 12)
      throw new Error(`action group short name "${args.shortName}" must be 1-12 characters`);
    const emails = [...new Set(args.emails.map((e) => e.toLowerCase()))].sort();
    const group = new monitor.ActionGroup(
      `${name}-ag`,
      {
        actionGroupName: args.actionGroupName,
        resourceGroupName: args.resourceGroupName,
        // Action groups are global resources.
        location: "Global",
        groupShortName: args.shortName,
        enabled: true,
        emailReceivers: emails.map((emailAddress) => ({
          name: emailReceiverName(emailAddress),
          emailAddress,
          useCommonAlertSchema: true,
        })),
        tags: args.tags,
      },
      { parent: this },
    );
    this.id = group.id;
    this.name = group.name;
    this.registerOutputs({ id: this.id, name: this.name });
  }
}
