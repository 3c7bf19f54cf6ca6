import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";

export interface TemporalTlsArgs {
  /** Names the Temporal frontend is reached by (the app name, its internal FQDN). */
  serverDnsNames: pulumi.Input<pulumi.Input<string>[]>;
  /** For certificate subjects: dev, test, uat, staging, prod. */
  environment: string;
  /**
   * Leaf certificates (server, worker client, UI client) are re-issued once they are this old.
   * @default 90 (DESIGN.md §3: temporal-tls-* rotate every 90 days)
   */
  rotationDays?: number;
  /**
   * How long a leaf stays valid after it is due for renewal: the window in which a `pulumi up`
   * must run (the scheduled drift job runs daily) before clients see an expired certificate.
   * @default 14
   */
  overlapDays?: number;
  /**
   * The internal CA's lifetime. Longer than the leaves so leaf rotation never changes the trust
   * anchor (server and worker restart at slightly different times).
   * @default 365
   */
  caValidityDays?: number;
}

const KEY = { algorithm: "ECDSA", ecdsaCurve: "P256" } as const;

/**
 * The internal PKI for Temporal frontend mTLS (SOP 000: "Temporal with mTLS" in prod): a private
 * CA, the server certificate of the Temporal frontend, and one client certificate per client: the
 * worker's and the Temporal UI's (the frontend requires a client certificate from every caller;
 * separate keys, so neither client can present the other's identity).
 * Rotation is the tls provider's own: a certificate inside `earlyRenewalHours` of its end is
 * re-created on the next `pulumi up`. Private keys are secret Outputs from the start.
 */
export class TemporalTls extends pulumi.ComponentResource {
  readonly caCertPem: pulumi.Output<string>;
  readonly serverCertPem: pulumi.Output<string>;
  readonly serverKeyPem: pulumi.Output<string>;
  readonly clientCertPem: pulumi.Output<string>;
  readonly clientKeyPem: pulumi.Output<string>;
  /** The Temporal UI's client certificate (CN `engram-<env>-temporal-ui`). */
  readonly uiCertPem: pulumi.Output<string>;
  readonly uiKeyPem: pulumi.Output<string>;
  /** When the current leaf certificates were issued (RFC 3339): the apps' rotation stamp. */
  readonly issuedAt: pulumi.Output<string>;
  /** When the current leaf certificates expire (Unix seconds): the Key Vault secrets' expiry. */
  readonly expiresAt: pulumi.Output<number>;

  constructor(name: string, args: TemporalTlsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("engram:runtime:TemporalTls", name, {}, opts);
    const rotationDays = args.rotationDays ?? 90;
    const overlapDays = args.overlapDays ?? 14;
    const caDays = args.caValidityDays ?? 365;
    const org = "Engram";

    const key = (n: string) => {
      const k = new tls.PrivateKey(`${name}-${n}-key`, { ...KEY }, { parent: this });
      return pulumi.secret(k.privateKeyPem);
    };

    const caKey = key("ca");
    const ca = new tls.SelfSignedCert(
      `${name}-ca`,
      {
        privateKeyPem: caKey,
        isCaCertificate: true,
        subject: { commonName: `engram-${args.environment}-temporal-ca`, organization: org },
        validityPeriodHours: caDays * 24,
        earlyRenewalHours: 30 * 24,
        allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
      },
      { parent: this },
    );

    const leaf = (
      n: string,
      commonName: string,
      uses: string[],
      dnsNames?: pulumi.Input<pulumi.Input<string>[]>,
    ) => {
      const k = key(n);
      const csr = new tls.CertRequest(
        `${name}-${n}-csr`,
        { privateKeyPem: k, subject: { commonName, organization: org }, ...(dnsNames ? { dnsNames } : {}) },
        { parent: this },
      );
      const cert = new tls.LocallySignedCert(
        `${name}-${n}-cert`,
        {
          certRequestPem: csr.certRequestPem,
          caCertPem: ca.certPem,
          caPrivateKeyPem: caKey,
          validityPeriodHours: (rotationDays + overlapDays) * 24,
          earlyRenewalHours: overlapDays * 24,
          allowedUses: uses,
        },
        { parent: this },
      );
      return { cert, keyPem: k };
    };

    // Temporal's internode traffic presents the server certificate as a client too.
    const server = leaf(
      "server",
      `engram-${args.environment}-temporal`,
      ["digital_signature", "server_auth", "client_auth"],
      args.serverDnsNames,
    );
    const client = leaf("worker", `engram-${args.environment}-worker`, ["digital_signature", "client_auth"]);
    const ui = leaf("ui", `engram-${args.environment}-temporal-ui`, ["digital_signature", "client_auth"]);
    const leaves = [server, client, ui];

    this.caCertPem = ca.certPem;
    this.serverCertPem = server.cert.certPem;
    this.serverKeyPem = server.keyPem;
    this.clientCertPem = client.cert.certPem;
    this.clientKeyPem = client.keyPem;
    this.uiCertPem = ui.cert.certPem;
    this.uiKeyPem = ui.keyPem;
    // RFC 3339 UTC strings of one format compare as times.
    this.issuedAt = pulumi
      .all(leaves.map((l) => l.cert.validityStartTime))
      .apply((ts) => ts.reduce((a, b) => (a > b ? a : b)));
    this.expiresAt = pulumi
      .all(leaves.map((l) => l.cert.validityEndTime))
      .apply((ts) => Math.floor(Date.parse(ts.reduce((a, b) => (a < b ? a : b))) / 1000));
    this.registerOutputs({ caCertPem: this.caCertPem, issuedAt: this.issuedAt, expiresAt: this.expiresAt });
  }
}
