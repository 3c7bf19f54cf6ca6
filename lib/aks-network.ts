/**
 * The address ranges of the AKS cluster that live outside the VNet (DESIGN.md §11, docs/aks.md):
 * Azure CNI overlay gives pods addresses from the pod CIDR (never from the VNet), and Services
 * take ClusterIPs from the service CIDR. Neither may overlap the VNet, a peered VNet (the CI/CD
 * hub) or each other; config refuses an address space that does (src/config/aks.ts).
 *
 * Both sit outside 10.0.0.0/8, where every environment's VNet lives: 192.168.0.0/16 is the pod
 * range Microsoft's overlay examples use (a /24 per node: up to 256 nodes of 250 pods), and
 * 172.16.0.0/16 leaves room for 65,000 Services. The DNS service is the tenth address of the
 * service range (the first is the API server's `kubernetes` Service).
 */
export const AKS_POD_CIDR = "192.168.0.0/16";
export const AKS_SERVICE_CIDR = "172.16.0.0/16";
export const AKS_DNS_SERVICE_IP = "172.16.0.10";

/** The ranges of the cluster a given range must not overlap, as `name CIDR` for messages. */
export const AKS_RANGES: readonly { name: string; cidr: string }[] = [
  { name: "the AKS pod CIDR", cidr: AKS_POD_CIDR },
  { name: "the AKS service CIDR", cidr: AKS_SERVICE_CIDR },
];
