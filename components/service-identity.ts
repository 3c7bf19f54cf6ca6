import * as pulumi from "@pulumi/pulumi";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import { Principal } from "./role-assignment";

export interface ServiceIdentityArgs {
  /** The service this identity runs: backend, worker, zep, temporal. */
  service: string;
  /** The Azure name, from the naming helper (`id-engram-<env>-<service>`). */
  identityName: string;
  resourceGroupName: pulumi.Input<string>;
  location: pulumi.Input<string>;
  tags: Record<string, string>;
}

/**
 * The user-assigned managed identity of one service in one environment (SOP 000 Workload
 * Identity). Its `clientId` is what the service gets as AZURE_CLIENT_ID; it is never the API app
 * registration's client id (SOP 001).
 */
export class ServiceIdentity extends pulumi.ComponentResource {
  readonly service: string;
  readonly id: pulumi.Output<string>;
  readonly name: pulumi.Output<string>;
  readonly clientId: pulumi.Output<string>;
  readonly principalId: pulumi.Output<string>;
  /** This identity as a grantee for `grant()`. */
  readonly principal: Principal;

  constructor(name: string, args: ServiceIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
    super("engram:identity:ServiceIdentity", name, {}, opts);
    const identity = new managedidentity.UserAssignedIdentity(
      `${name}-mi`,
      {
        resourceName: args.identityName,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        tags: { ...args.tags, service: args.service },
      },
      { parent: this },
    );
    this.service = args.service;
    this.id = identity.id;
    this.name = identity.name;
    this.clientId = identity.clientId;
    this.principalId = identity.principalId;
    this.principal = {
      principalId: identity.principalId,
      principalType: "ServicePrincipal",
      label: args.service,
    };
    this.registerOutputs({
      id: this.id,
      name: this.name,
      clientId: this.clientId,
      principalId: this.principalId,
    });
  }
}
