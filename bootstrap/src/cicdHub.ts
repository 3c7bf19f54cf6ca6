import { cidrsOverlap, isPrivateCidr, parseCidr } from "../../lib/cidr";
import { uuidOf } from "../../lib/ids";
import { BOOTSTRAP_IDS, Environment, ENVIRONMENTS } from "./names";

/**
 * The CI/CD hub (DESIGN.md §11 Delivery): a VNet whose one subnet is delegated to GitHub's hosted
 * runners (Azure private networking), so the prod deploy job runs inside the network and reaches
 * the private AKS API server over a peering. Pure: names, the config rule and the role's actions.
 */

/** Fixed names: one hub per subscription, like the state backend. */
export const CICD_HUB_NAMES = {
  resourceGroup: "rg-engram-cicd",
  vnet: "vnet-engram-cicd",
  subnet: "snet-engram-cicd-runners",
  nsg: "nsg-engram-cicd-runners",
  natGateway: "ng-engram-cicd",
  publicIp: "pip-engram-cicd-nat",
  networkSettings: "ghns-engram-cicd",
} as const;

/** Outside every committed environment's engram:network.addressSpace (10.10-10.50.0.0/16). */
export const DEFAULT_HUB_ADDRESS_SPACE = "10.255.0.0/24";
/** The environments whose deployers reach the hub by default: prod, the one on a private AKS cluster. */
export const DEFAULT_PEER_ENVIRONMENTS: readonly Environment[] = ["prod"];

/** `GitHub.Network/networkSettings`: no typed azure-native module (3.28), so the generic resource. */
export const GITHUB_NETWORK_SETTINGS = {
  namespace: "GitHub.Network",
  type: "networkSettings",
  /** The GA API version GitHub's own setup script uses (the 2023 preview versions no longer work). */
  apiVersion: "2024-04-02",
  /** The subnet delegation the service requires. */
  delegation: "GitHub.Network/networkSettings",
} as const;

/**
 * What an environment's apply identity may do on the hub VNet, and nothing else: create, read and
 * delete the hub → environment peering (`virtualNetworkPeerings/*` on the hub), peer its own VNet
 * with the hub (`peer/action` on the remote VNet, required to create the environment → hub side),
 * and link its private DNS zone (the AKS API server's) to the hub VNet (`join/action`, required to
 * create a private DNS zone's virtual network link). No `subnets/*`: it can neither change the
 * runner subnet nor place anything in it. Network Contributor would give all of that and more.
 */
export const HUB_PEERING_ACTIONS = [
  "Microsoft.Network/virtualNetworks/read",
  "Microsoft.Network/virtualNetworks/peer/action",
  "Microsoft.Network/virtualNetworks/join/action",
  "Microsoft.Network/virtualNetworks/virtualNetworkPeerings/read",
  "Microsoft.Network/virtualNetworks/virtualNetworkPeerings/write",
  "Microsoft.Network/virtualNetworks/virtualNetworkPeerings/delete",
] as const;

/** Name (a GUID) of the custom hub peering role, one per subscription. */
export function hubPeeringRoleGuid(subscriptionId: string): string {
  return uuidOf(BOOTSTRAP_IDS, ["cicd-hub-peering", subscriptionId.toLowerCase()]);
}

/** The validated `cicdHub` config. */
export interface CicdHubConfig {
  /** The GitHub organization's `databaseId`: the network settings' `businessId`. */
  readonly githubDatabaseId: string;
  /** The hub VNet's address space; the runner subnet takes all of it. */
  readonly addressSpace: string;
  /** Environments whose apply identity may peer with the hub (and whose plan identity reads it). */
  readonly peerEnvironments: readonly Environment[];
}

export const HUB_RULES = {
  cicdHub:
    'a JSON object {"githubDatabaseId": <id>, "addressSpace": "<CIDR>", "peerEnvironments": [<env>], "environmentAddressSpaces": {<env>: "<CIDR>"}}; only githubDatabaseId is required',
  githubDatabaseId:
    "required; the GitHub organization's databaseId, a positive integer (GraphQL: organization(login) { databaseId })",
  addressSpace:
    "a private (RFC 1918) IPv4 CIDR from /16 to /27 with no host bits set; the runner subnet takes all of it",
  peerEnvironments: `a non-empty JSON list of distinct environments (${ENVIRONMENTS.join(", ")})`,
  environmentAddressSpace:
    "an IPv4 CIDR with no host bits set: that environment's engram:network.addressSpace",
  environmentKey: `environments are ${ENVIRONMENTS.join(", ")}`,
  overlap: "the hub must not overlap an environment's address space (peered VNets need disjoint ranges)",
} as const;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Reports one problem: the key (under `cicdHub.`), the value as shown, the rule. */
export type Report = (key: string, value: string | undefined, rule: string) => void;

/**
 * Parses `engram-bootstrap:cicdHub`. Undefined when the key is absent (no hub) or refused (each
 * problem reported). `environmentAddressSpaces` is only checked, never kept: it lets the bootstrap
 * refuse a hub that overlaps an environment it will be peered with.
 */
export function cicdHubOf(value: string | undefined, report: Report): CicdHubConfig | undefined {
  if (value === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    parsed = undefined;
  }
  const known = ["githubDatabaseId", "addressSpace", "peerEnvironments", "environmentAddressSpaces"];
  if (!isRecord(parsed) || Object.keys(parsed).some((k) => !known.includes(k))) {
    report("cicdHub", value, HUB_RULES.cicdHub);
    return undefined;
  }
  const before = { count: 0 };
  const fail: Report = (key, shown, rule) => {
    before.count++;
    report(`cicdHub.${key}`, shown, rule);
  };
  const show = (v: unknown): string | undefined =>
    v === undefined ? undefined : typeof v === "string" ? v : JSON.stringify(v);

  const id = parsed.githubDatabaseId;
  const idText = typeof id === "number" ? String(id) : typeof id === "string" ? id : "";
  if (!/^[1-9]\d{0,18}$/.test(idText)) fail("githubDatabaseId", show(id), HUB_RULES.githubDatabaseId);

  const space = parsed.addressSpace ?? DEFAULT_HUB_ADDRESS_SPACE;
  const spaceOk = typeof space === "string" && /\//.test(space) && parseCidr(space) !== undefined;
  const prefix = spaceOk ? (parseCidr(space) as { prefix: number }).prefix : 0;
  if (!spaceOk || prefix < 16 || prefix > 27 || !isPrivateCidr(space)) {
    fail("addressSpace", show(space), HUB_RULES.addressSpace);
  }

  const peers = parsed.peerEnvironments ?? DEFAULT_PEER_ENVIRONMENTS;
  const peersOk =
    Array.isArray(peers) &&
    peers.length > 0 &&
    new Set(peers).size === peers.length &&
    peers.every((e) => (ENVIRONMENTS as readonly unknown[]).includes(e));
  if (!peersOk) fail("peerEnvironments", show(peers), HUB_RULES.peerEnvironments);

  const others = parsed.environmentAddressSpaces ?? {};
  if (!isRecord(others)) {
    fail("environmentAddressSpaces", show(others), HUB_RULES.cicdHub);
  } else {
    for (const env of ENVIRONMENTS) {
      const cidr = others[env];
      if (cidr === undefined) continue;
      if (typeof cidr !== "string" || !/\//.test(cidr) || parseCidr(cidr) === undefined) {
        fail(`environmentAddressSpaces.${env}`, show(cidr), HUB_RULES.environmentAddressSpace);
      } else if (spaceOk && cidrsOverlap(space, cidr)) {
        fail("addressSpace", show(space), `${HUB_RULES.overlap}; ${env} uses ${cidr}`);
      }
    }
    for (const key of Object.keys(others).filter((k) => !(ENVIRONMENTS as readonly string[]).includes(k))) {
      fail(`environmentAddressSpaces.${key}`, show(others[key]), HUB_RULES.environmentKey);
    }
  }

  if (before.count > 0) return undefined;
  return {
    githubDatabaseId: idText,
    addressSpace: space as string,
    peerEnvironments: peers as Environment[],
  };
}
