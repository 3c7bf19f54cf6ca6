import * as pulumi from "@pulumi/pulumi";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import { AZURE_TOKEN_EXCHANGE_AUDIENCE, FederatedSubject, GITHUB_OIDC_ISSUER } from "../src/oidc";

export interface DeployerIdentityArgs {
  /** Resource group of the identity: the bootstrap group, never the environment's (see below). */
  resourceGroupName: pulumi.Input<string>;
  location: string;
  /** Azure name of the user-assigned identity, e.g. `id-engram-prod-apply`. */
  identityName: string;
  /** GitHub subjects this identity trusts; created in this order, one after another. */
  subjects: readonly FederatedSubject[];
  tags: Readonly<Record<string, string>>;
}

/**
 * A user-assigned managed identity that GitHub Actions signs in as through OIDC federation: no
 * client secret exists anywhere. It lives in the bootstrap resource group, out of reach of the
 * environment's apply identity (Contributor on a group that held it could add a federated credential
 * for any subject and so hand itself to any workflow).
 */
export class DeployerIdentity extends pulumi.ComponentResource {
  public readonly identity: managedidentity.UserAssignedIdentity;
  public readonly credentials: managedidentity.FederatedIdentityCredential[];
  public readonly clientId: pulumi.Output<string>;
  public readonly principalId: pulumi.Output<string>;

  constructor(name: string, args: DeployerIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
    super("engram:bootstrap:DeployerIdentity", name, {}, opts);

    this.identity = new managedidentity.UserAssignedIdentity(
      `${name}-id`,
      {
        resourceName: args.identityName,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        tags: args.tags,
      },
      { parent: this },
    );

    // Azure rejects concurrent writes to one identity's federated credentials (409 Conflict), so
    // each credential waits for the previous one.
    this.credentials = [];
    for (const subject of args.subjects) {
      const previous = this.credentials[this.credentials.length - 1];
      this.credentials.push(
        new managedidentity.FederatedIdentityCredential(
          `${name}-${subject.name}`,
          {
            federatedIdentityCredentialResourceName: subject.name,
            resourceGroupName: args.resourceGroupName,
            resourceName: this.identity.name,
            issuer: GITHUB_OIDC_ISSUER,
            subject: subject.subject,
            audiences: [AZURE_TOKEN_EXCHANGE_AUDIENCE],
          },
          { parent: this, dependsOn: previous ? [previous] : [this.identity] },
        ),
      );
    }

    this.clientId = this.identity.clientId;
    this.principalId = this.identity.principalId;
    this.registerOutputs({ clientId: this.clientId, principalId: this.principalId });
  }
}
