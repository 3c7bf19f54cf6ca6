import { byCodePoint } from "../../../lib/text";
import { code, Inputs, inputsOf, orNotSet, table } from "./format";
import { ReportSection } from "./section";

/**
 * Availability as planned (the matrix row `availability`, DESIGN.md §1, §7): per resource, each
 * zone and redundancy setting its request carries. Postgres servers (high availability, zones,
 * geo-redundant backup), the storage account (replication), the Container Apps environment (zone
 * redundancy) or the AKS cluster (each node pool's zones), public IPs, the NAT gateway and the
 * Application Gateway (zones). Reads the plan only; a setting the request leaves out shows as
 * "not set".
 */

const zones = (v: unknown): string =>
  Array.isArray(v) && v.length > 0 ? v.map(String).join(", ") : "none (no zone requested)";

interface Kind {
  type: string;
  name: (i: Inputs) => unknown;
  settings: (i: Inputs) => [string, string][];
}

/** In report order; within a kind, resources sort by name. */
const KINDS: Kind[] = [
  {
    type: "azure-native:dbforpostgresql:Server",
    name: (i) => i.serverName,
    settings: (i) => {
      const ha = (i.highAvailability as Inputs | undefined) ?? {};
      const backup = (i.backup as Inputs | undefined) ?? {};
      return [
        ["high availability", orNotSet(ha.mode)],
        ["zone (primary)", orNotSet(i.availabilityZone)],
        ["zone (standby)", orNotSet(ha.standbyAvailabilityZone)],
        ["geo-redundant backup", orNotSet(backup.geoRedundantBackup)],
      ];
    },
  },
  {
    type: "azure-native:storage:StorageAccount",
    name: (i) => i.accountName,
    settings: (i) => [["replication (SKU)", orNotSet((i.sku as Inputs | undefined)?.name)]],
  },
  {
    type: "azure-native:app:ManagedEnvironment",
    name: (i) => i.environmentName,
    settings: (i) => [["zone redundant", orNotSet(i.zoneRedundant)]],
  },
  {
    type: "azure-native:containerservice:ManagedCluster",
    name: (i) => i.resourceName,
    settings: (i) =>
      ((i.agentPoolProfiles as Inputs[] | undefined) ?? []).map((p) => [
        `zones (node pool ${String(p.name)})`,
        zones(p.availabilityZones),
      ]),
  },
  {
    type: "azure-native:network:PublicIPAddress",
    name: (i) => i.publicIpAddressName,
    settings: (i) => [["zones", zones(i.zones)]],
  },
  {
    type: "azure-native:network:NatGateway",
    name: (i) => i.natGatewayName,
    settings: (i) => [["zones", zones(i.zones)]],
  },
  {
    type: "azure-native:network:ApplicationGateway",
    name: (i) => i.applicationGatewayName,
    settings: (i) => [["zones", zones(i.zones)]],
  },
];

export const availabilitySection: ReportSection = ({ result, index }) => {
  const rows: string[][] = [];
  for (const kind of KINDS) {
    const resources = index
      .ofType(kind.type)
      .map((s) => inputsOf(s))
      .sort((a, b) => byCodePoint(String(kind.name(a)), String(kind.name(b))));
    for (const i of resources)
      for (const [setting, value] of kind.settings(i))
        rows.push([String(kind.name(i)), code(kind.type), setting, value]);
  }
  if (rows.length === 0) return undefined;
  const d = result.config.decisions.availability;
  return [
    "## Availability",
    "",
    `Matrix row ${code("engram:availability")}: ${String(d.value)} (${d.source}). What each request asks for:`,
    "",
    table(["resource", "type", "setting", "value"], rows),
  ].join("\n");
};
