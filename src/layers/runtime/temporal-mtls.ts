import * as pulumi from "@pulumi/pulumi";
import { ServiceIdentity } from "../../../components/service-identity";
import { TemporalTls } from "../../../components/temporal-tls";
import { Context, Platform } from "../../context";
import { DataLayer, addExtraSecret } from "../data";
import { AppPlans } from "./plans";

/** The apps that take part in Temporal mTLS: the server and its two clients. */
export type TemporalTlsReader = "temporal" | "worker" | "temporal-ui";

/**
 * The Key Vault secrets of Temporal mTLS (DESIGN.md §3 temporal-tls-*), with their readers. The
 * frontend requires a client certificate from every caller, so the Temporal UI has its own (read
 * by its own identity only): DESIGN.md §3's readers extended with temporal-ui.
 */
export const TEMPORAL_TLS_SECRETS = {
  "temporal-tls-ca": { readers: ["temporal", "worker", "temporal-ui"], file: "ca.pem" },
  "temporal-tls-server-cert": { readers: ["temporal"], file: "server.pem" },
  "temporal-tls-server-key": { readers: ["temporal"], file: "server.key" },
  "temporal-tls-client-cert": { readers: ["worker"], file: "client.pem" },
  "temporal-tls-client-key": { readers: ["worker"], file: "client.key" },
  "temporal-tls-ui-cert": { readers: ["temporal-ui"], file: "client.pem" },
  "temporal-tls-ui-key": { readers: ["temporal-ui"], file: "client.key" },
} as const satisfies Record<string, { readers: readonly TemporalTlsReader[]; file: string }>;
export type TemporalTlsSecret = keyof typeof TEMPORAL_TLS_SECRETS;

/** Where each app finds its mTLS files (one secret volume per app). */
export const TLS_MOUNT = {
  temporal: "/etc/temporal/tls",
  worker: "/etc/engram/temporal-tls",
  "temporal-ui": "/etc/temporal-ui/tls",
} as const satisfies Record<TemporalTlsReader, string>;

/** Each mTLS reader's Key Vault Secrets User assignments, one per mTLS secret it reads. */
export type TemporalTlsGrants = Record<TemporalTlsReader, pulumi.Resource[]>;

/**
 * Temporal mTLS: an internal CA with server, worker and UI certificates, written as secrets into the
 * vault the data layer hands forward (`addExtraSecret`: a grant per reader on each one), mounted as
 * files through Key Vault references, and the TLS env vars of the server and its two clients
 * pointing at those files. Fills the plans of temporal, worker and temporal-ui; returns each
 * reader's grants on these secrets.
 */
export function wireTemporalMtls(
  ctx: Context,
  platform: Platform,
  server: TemporalServerNames,
  data: Pick<DataLayer, "secretTarget">,
  uiIdentity: ServiceIdentity | undefined,
  plans: AppPlans,
): TemporalTlsGrants {
  const pki = new TemporalTls("temporal-tls", {
    environment: ctx.cfg.environment,
    serverDnsNames: [server.name, ...server.dnsNames],
  });
  const values: Record<TemporalTlsSecret, pulumi.Output<string>> = {
    "temporal-tls-ca": pulumi.secret(pki.caCertPem),
    "temporal-tls-server-cert": pulumi.secret(pki.serverCertPem),
    "temporal-tls-server-key": pki.serverKeyPem,
    "temporal-tls-client-cert": pulumi.secret(pki.clientCertPem),
    "temporal-tls-client-key": pki.clientKeyPem,
    "temporal-tls-ui-cert": pulumi.secret(pki.uiCertPem),
    "temporal-tls-ui-key": pki.uiKeyPem,
  };
  if (!uiIdentity) throw new Error("Temporal mTLS is on but the temporal-ui has no identity");
  const grants: TemporalTlsGrants = { temporal: [], worker: [], "temporal-ui": [] };
  for (const [secret, spec] of Object.entries(TEMPORAL_TLS_SECRETS) as [
    TemporalTlsSecret,
    (typeof TEMPORAL_TLS_SECRETS)[TemporalTlsSecret],
  ][]) {
    const added = addExtraSecret(ctx, platform, data.secretTarget, secret, {
      value: values[secret],
      contentType: "application/x-pem-file",
      expires: pki.expiresAt,
      // The UI's identity is not a service identity: it is passed in as its own principal.
      readers: spec.readers.map((r: TemporalTlsReader) =>
        r === "temporal-ui" ? { label: r, principal: uiIdentity.principal } : r,
      ),
      tags: { source: "generated:temporal-mtls", rotation: "90d" },
    });
    for (const reader of spec.readers) {
      grants[reader].push(...(added.grants[reader] ?? []));
      const p = plans[reader];
      p.keyVaultSecrets[secret] = added.secretUrl;
      p.rotations[secret] = pki.issuedAt;
      const mount = TLS_MOUNT[reader];
      p.secretVolumes["temporal-tls"] ??= { mountPath: mount, files: {} };
      p.secretVolumes["temporal-tls"].files[spec.file] = secret;
    }
  }
  addTlsEnv(server.name, plans);
  return grants;
}

/**
 * The names the Temporal frontend's certificate is issued for: `name` (what clients verify, the
 * TLS server name) and the DNS names they dial (each runtime has its own).
 */
export interface TemporalServerNames {
  name: string;
  dnsNames: pulumi.Input<string>[];
}

/** The TLS env vars of the Temporal server and its two clients, pointing at the mounted files. */
function addTlsEnv(server: string, plans: AppPlans): void {
  const t = TLS_MOUNT.temporal;
  Object.assign(plans.temporal.env, {
    TEMPORAL_TLS_REQUIRE_CLIENT_AUTH: "true",
    TEMPORAL_TLS_SERVER_CA_CERT: `${t}/ca.pem`,
    TEMPORAL_TLS_SERVER_CERT: `${t}/server.pem`,
    TEMPORAL_TLS_SERVER_KEY: `${t}/server.key`,
    TEMPORAL_TLS_CLIENT1_CA_CERT: `${t}/ca.pem`,
    TEMPORAL_TLS_INTERNODE_SERVER_NAME: server,
    TEMPORAL_TLS_FRONTEND_SERVER_NAME: server,
  });
  const w = TLS_MOUNT.worker;
  Object.assign(plans.worker.env, {
    TEMPORAL_TLS_CA: `${w}/ca.pem`,
    TEMPORAL_TLS_CERT: `${w}/client.pem`,
    TEMPORAL_TLS_KEY: `${w}/client.key`,
    TEMPORAL_TLS_SERVER_NAME: server,
  });
  // The temporalio/ui image's names (ui-server config/docker.yaml); without host verification
  // ui-server skips verifying the server certificate altogether (InsecureSkipVerify).
  const u = TLS_MOUNT["temporal-ui"];
  Object.assign(plans["temporal-ui"].env, {
    TEMPORAL_TLS_CA: `${u}/ca.pem`,
    TEMPORAL_TLS_CERT: `${u}/client.pem`,
    TEMPORAL_TLS_KEY: `${u}/client.key`,
    TEMPORAL_TLS_SERVER_NAME: server,
    TEMPORAL_TLS_ENABLE_HOST_VERIFICATION: "true",
  });
}
