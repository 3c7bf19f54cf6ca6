import { APP_NAMES, AppName, SERVICES } from "../../../services";

/**
 * The network paths of DESIGN.md §11 as data: everything else in namespace `engram` is denied
 * (components/network-policies.ts turns each row into named NetworkPolicy objects). A peer is an
 * app of src/services.ts or one of the places outside the namespace the apps need.
 */
export type ExternalPeer =
  /** CoreDNS (kube-system, `k8s-app: kube-dns`). */
  | "kube-dns"
  /** The Application Gateway subnet (the WAF's instances). */
  | "waf"
  /** The private endpoint subnet: Key Vault, Storage, both Postgres servers. */
  | "private-endpoints"
  /**
   * Public addresses (0.0.0.0/0 minus RFC 1918): the Azure AI endpoint and Entra. A NetworkPolicy
   * cannot name an FQDN, so this is the narrowest standard rule; the NAT gateway is the only way out.
   */
  | "internet";
export type Peer = AppName | ExternalPeer;

export interface PathPort {
  protocol: "TCP" | "UDP";
  port: number;
}

export interface AllowedPath {
  /** The stem of the policies' names (`<name>-egress`, `<name>-ingress`). */
  name: string;
  from: readonly Peer[];
  to: Peer;
  ports: readonly PathPort[];
  /** Why the path exists (DESIGN.md §11), for the policy's annotation and the report. */
  why: string;
}

const tcp = (port: number): PathPort => ({ protocol: "TCP", port });
const port = (a: "backend" | "zep" | "temporal"): number => SERVICES[a].port;

/** DESIGN.md §11's list, one row per path. */
export const ALLOWED_PATHS: readonly AllowedPath[] = [
  {
    name: "dns",
    from: APP_NAMES,
    to: "kube-dns",
    ports: [
      { protocol: "UDP", port: 53 },
      { protocol: "TCP", port: 53 },
    ],
    why: "name resolution (Services, private endpoints, the AI endpoint, Entra)",
  },
  {
    name: "waf-to-backend",
    from: ["waf"],
    to: "backend",
    ports: [tcp(port("backend"))],
    why: "the WAF's backend pool: the internal load balancer keeps the client address (externalTrafficPolicy Local)",
  },
  {
    name: "to-zep",
    from: ["backend", "worker"],
    to: "zep",
    ports: [tcp(port("zep"))],
    why: "backend and worker call Zep's API",
  },
  {
    name: "to-temporal",
    from: ["backend", "worker", "temporal-ui"],
    to: "temporal",
    ports: [tcp(port("temporal"))],
    why: "Temporal frontend gRPC (mTLS where the matrix turns it on)",
  },
  {
    name: "app-postgres",
    from: ["backend", "worker"],
    to: "private-endpoints",
    ports: [tcp(5432)],
    why: "the application Postgres server (Entra auth) through its private endpoint",
  },
  {
    name: "platform-postgres",
    from: ["zep", "temporal"],
    to: "private-endpoints",
    ports: [tcp(5432)],
    why: "the platform Postgres server (password auth) through its private endpoint",
  },
  {
    name: "vault-storage",
    from: ["backend", "worker"],
    to: "private-endpoints",
    ports: [tcp(443)],
    why: "Key Vault and Blob Storage through their private endpoints (the CSI driver itself runs in kube-system)",
  },
  {
    name: "ai-and-entra",
    from: ["backend", "worker", "zep"],
    to: "internet",
    ports: [tcp(443)],
    why: "the Azure AI endpoint and Entra token exchange (workload identity), HTTPS only",
  },
];

export const isApp = (p: Peer): p is AppName => (APP_NAMES as readonly string[]).includes(p);
