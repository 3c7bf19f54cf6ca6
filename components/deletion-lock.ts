import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";

/**
 * A CanNotDelete management lock on one resource: with Pulumi `protect`, the second half of
 * "stateful resources are protected in uat, staging and prod" (DESIGN.md §1). `protect` stops
 * `pulumi destroy`; the lock stops the portal, the CLI and anyone else.
 */
export function deletionLock(
  name: string,
  target: { id: pulumi.Input<string> },
  what: string,
  opts: pulumi.CustomResourceOptions & { parent: pulumi.Resource },
): authorization.ManagementLockByScope {
  return new authorization.ManagementLockByScope(
    `${name}-lock`,
    {
      scope: target.id,
      lockName: "engram-cannot-delete",
      level: "CanNotDelete",
      notes: `${what} holds state; protected by engram-infra (SOP 000 Change Control). Remove through a reviewed change only.`,
    },
    opts,
  );
}
