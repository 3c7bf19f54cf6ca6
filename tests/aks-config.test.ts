import { registrations } from "./helpers/data";
import { planRefused } from "./helpers/plan";
import { CICD_HUB } from "./helpers/variants";

/**
 * The config rules of runtime aks (DESIGN.md §1, §11): where AKS may run, the CI/CD hub it needs
 * (the API server is private), and the address ranges that must not overlap. Each refusal is
 * checked by its exact message, and a refused stack registers nothing but the Stack.
 */

const HUB_ID =
  "/subscriptions/5f2c3b1a-8d4e-4c7a-9b6f-0e1d2c3b4a59/resourceGroups/rg-engram-cicd/providers/Microsoft.Network/virtualNetworks/vnet-engram-cicd";
const hub = (addressSpace: string, vnetId = HUB_ID) => JSON.stringify({ vnetId, addressSpace });

describe.each(["dev", "test", "uat"])("engram:runtime=aks in %s", (env) => {
  it("is refused: AKS runs prod, and staging may rehearse it", async () => {
    expect(await planRefused(env, { set: { "engram:runtime": "aks", "engram:cicdHub": CICD_HUB } })).toEqual([
      `engram:runtime=aks is not allowed in ${env}: AKS runs prod, and staging may rehearse it; dev, test and uat run on Container Apps (SOP 000 environment matrix, DESIGN.md §11)`,
    ]);
  });
});

describe.each(["prod", "staging"])("the CI/CD hub with runtime aks in %s", (env) => {
  it("is required, because the private API server is reachable only from inside the network", async () => {
    const change = { set: { "engram:runtime": "aks" }, unset: ["engram:cicdHub"] };
    expect(await planRefused(env, change)).toEqual([
      `engram:cicdHub is missing in ${env}: with runtime aks the API server is private (no public FQDN), reachable only from inside the network, so the deploy job runs on the CI/CD hub's runners: its VNet is peered and linked to the cluster's private DNS zone (DESIGN.md §11); set it with \`pulumi config set --path engram:cicdHub.<vnetId|addressSpace> <value>\``,
    ]);
    const run = await registrations(env, change);
    expect(run.types).toEqual(["pulumi:pulumi:Stack"]);
  });

  it("must be a virtual network's resource id", async () => {
    const bad = "/subscriptions/5f2c3b1a-8d4e-4c7a-9b6f-0e1d2c3b4a59/resourceGroups/rg-engram-cicd";
    expect(
      await planRefused(env, {
        set: { "engram:runtime": "aks", "engram:cicdHub": hub("10.255.0.0/24", bad) },
      }),
    ).toEqual([
      `engram:cicdHub.vnetId=${bad} is not allowed in ${env}: the resource id of a Microsoft.Network/virtualNetworks resource (/subscriptions/<subscription id>/resourceGroups/<group>/providers/Microsoft.Network/virtualNetworks/<name>)`,
    ]);
  });

  it("must not overlap the cluster's pod or service CIDR, and neither may the VNet", async () => {
    const change = {
      set: {
        "engram:runtime": "aks",
        "engram:cicdHub": hub("172.16.8.0/24"),
        "engram:network": { addressSpace: "192.168.0.0/22" },
      },
    };
    expect(await planRefused(env, change)).toEqual([
      `engram:network.addressSpace=192.168.0.0/22 is not allowed in ${env}: it overlaps the AKS pod CIDR 192.168.0.0/16; with runtime aks, pod and Service addresses live outside the VNet (docs/aks.md)`,
      `engram:cicdHub.addressSpace=172.16.8.0/24 is not allowed in ${env}: it overlaps the AKS service CIDR 172.16.0.0/16; the runners could not reach addresses the cluster also uses (docs/aks.md)`,
    ]);
  });
});

describe("the CI/CD hub key on its own", () => {
  it("must not overlap the environment's VNet in prod (peering needs disjoint address spaces)", async () => {
    expect(
      await planRefused("prod", {
        set: { "engram:runtime": "aks", "engram:cicdHub": hub("10.50.128.0/24") },
      }),
    ).toEqual([
      "engram:cicdHub.addressSpace=10.50.128.0/24 is not allowed in prod: it overlaps the VNet address space 10.50.0.0/16; peered VNets need disjoint address spaces",
    ]);
  });

  it("refuses an address space that is not a CIDR, in any environment", async () => {
    expect(await planRefused("dev", { set: { "engram:cicdHub": hub("10.255.0.0") } })).toEqual([
      `engram:cicdHub.addressSpace=10.255.0.0 is not allowed in dev: the hub VNet's address space, an IPv4 CIDR with no host bits set, e.g. 10.250.0.0/24`,
    ]);
  });
});
