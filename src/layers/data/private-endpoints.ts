import * as pulumi from "@pulumi/pulumi";
import { PrivateEndpoints, PrivateEndpointSpec } from "../../../components/private-endpoint";
import { Context, Platform } from "../../context";
import { NetworkLayer } from "../network";
import { PostgresServers } from "./postgres";

/**
 * Private endpoints (DESIGN.md §6) for the vault, blob storage and each Postgres server, with their
 * private DNS zones linked to the VNet. Only where the matrix turns them on.
 */
export function buildPrivateEndpoints(
  ctx: Context,
  platform: Platform,
  deps: {
    network: NetworkLayer;
    vaultId: pulumi.Input<string>;
    storageId: pulumi.Input<string>;
    postgres: PostgresServers;
  },
): PrivateEndpoints {
  const { appServer, platformServer, split } = deps.postgres;
  const endpoints: Record<string, PrivateEndpointSpec> = {
    vault: { endpointName: ctx.name("privateEndpoint", "kv"), targetId: deps.vaultId, groupId: "vault" },
    blob: { endpointName: ctx.name("privateEndpoint", "st-blob"), targetId: deps.storageId, groupId: "blob" },
    "psql-app": {
      endpointName: ctx.name("privateEndpoint", "psql"),
      targetId: appServer.id,
      groupId: "postgresqlServer",
    },
  };
  if (split)
    endpoints["psql-platform"] = {
      endpointName: ctx.name("privateEndpoint", "psql-platform"),
      targetId: platformServer.id,
      groupId: "postgresqlServer",
    };
  return new PrivateEndpoints("private-endpoints", {
    resourceGroupName: platform.resourceGroupName,
    location: platform.location,
    tags: ctx.tags,
    subnetId: deps.network.subnets.privateEndpoints.id,
    vnetId: deps.network.vnetId,
    endpoints,
    linkName: (groupId) => ctx.name("privateDnsZoneLink", groupId.toLowerCase()),
  });
}
