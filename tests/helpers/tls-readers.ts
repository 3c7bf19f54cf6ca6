/**
 * Who reads each Temporal mTLS secret (DESIGN.md §3), written out here (not from src/) so a drift
 * fails; the runtime and Temporal UI tests both check it.
 */
export const TLS_READERS: Record<string, string[]> = {
  "temporal-tls-ca": ["temporal", "temporal-ui", "worker"],
  "temporal-tls-server-cert": ["temporal"],
  "temporal-tls-server-key": ["temporal"],
  "temporal-tls-client-cert": ["worker"],
  "temporal-tls-client-key": ["worker"],
  "temporal-tls-ui-cert": ["temporal-ui"],
  "temporal-tls-ui-key": ["temporal-ui"],
};
