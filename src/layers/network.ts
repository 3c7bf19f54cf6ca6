import * as pulumi from "@pulumi/pulumi";

/**
 * The network layer (DESIGN.md §6): one VNet per environment, subnets carved deterministically
 * from `engram:network.addressSpace`, an NSG on every subnet.
 */

export interface SubnetInfo {
  id: pulumi.Output<string>;
  name: string;
  /** The CIDR carved for it, e.g. 10.20.0.0/23. */
  addressPrefix: string;
}

export interface NetworkLayer {
  vnetId: pulumi.Output<string>;
  vnetName: pulumi.Output<string>;
  subnets: {
    /** /23 delegated to Microsoft.App/environments (the Container Apps environment). */
    aca: SubnetInfo;
    /** /24 for private endpoints (Key Vault, Storage, Postgres). */
    privateEndpoints: SubnetInfo;
    /** /24 for the Application Gateway; only when the WAF is on. */
    appgw?: SubnetInfo;
  };
}
