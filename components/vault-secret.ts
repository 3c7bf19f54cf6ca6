import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as random from "@pulumi/random";
import * as time from "@pulumiverse/time";
import { Environment } from "../lib/environments";
import { RoleName } from "../lib/roles";
import { grant, Principal } from "./role-assignment";

/** Where a secret's value comes from, and what bounds its life. */
export type VaultSecretValue =
  /** Generated here and replaced when a `Rotating` trigger expires; expiry = the rotation time. */
  | { kind: "generated"; rotationDays: number; length?: number }
  /** Supplied (secret config); expiry `expiryDays` after the value was last set. */
  | { kind: "provided"; value: pulumi.Output<string>; expiryDays: number }
  /** Supplied with its own expiry (e.g. a certificate's not-after), or none. */
  | { kind: "external"; value: pulumi.Output<string>; expires?: pulumi.Input<number> };

export interface VaultSecretArgs {
  vaultName: pulumi.Input<string>;
  resourceGroupName: pulumi.Input<string>;
  /** The secret's name in the vault (SOP 002 names: `zep-api-key`...). */
  secretName: string;
  value: VaultSecretValue;
  /** What the value is (shown by the vault; no value in it). */
  contentType: string;
  /** Where the value comes from, for the `source` tag and the report: `generated`, `config:azureAiKey`. */
  source: string;
  /** The identities that read this one secret: each gets its role (below) on it. */
  readers: Record<string, Principal>;
  /** Each reader's role on this secret (the caller's access table row). @default "Key Vault Secrets User" each */
  readerRoles?: Record<string, RoleName>;
  subscriptionId: pulumi.Input<string>;
  environment: Environment;
  tags: Record<string, string>;
  /**
   * Resources the secret's first version must wait for: the vault's expiry alerts, since Key Vault
   * raises expiry events only for versions written after their subscription exists. @default []
   */
  after?: pulumi.Resource[];
}

/** Days a generated value stays readable after its rotation time, until the next `pulumi up` rotates it. */
export const ROTATION_GRACE_DAYS = 7;

/** Unix seconds of an RFC 3339 time (a resource output, so the plan stays deterministic). */
const unixOf = (rfc3339: string): number => Math.floor(Date.parse(rfc3339) / 1000);

/**
 * One Key Vault secret with its lifecycle and its readers (DESIGN.md §3):
 * - generated values are a `random.RandomPassword` whose keeper is a `time.Rotating` of the
 *   matrix period: when it expires, the next `pulumi up` replaces the value and writes a new
 *   version (apps pick it up on their next revision, SOP 002: restart after rotation); it expires
 *   ROTATION_GRACE_DAYS after the rotation time, so a late `pulumi up` never leaves apps without it;
 * - supplied values get an expiry `expiryDays` after they were last changed (a `time.Offset`
 *   re-based whenever the value changes), so a key nobody rotated shows as expired;
 * - every reader gets Key Vault Secrets User on this secret's resource id, never on the vault.
 * Values are always secret Outputs; only names, content type, expiry and tags are plain.
 */
export class VaultSecret extends pulumi.ComponentResource {
  readonly id: pulumi.Output<string>;
  readonly secretName: string;
  /** Versionless URL: always resolves to the current version. */
  readonly secretUri: pulumi.Output<string>;
  /** The value, as a secret Output (for resources that need it, e.g. the Postgres server). */
  readonly value: pulumi.Output<string>;
  /** Unix seconds, or undefined when the secret has no expiry. */
  readonly expires?: pulumi.Output<number>;
  /**
   * Generated secrets: when the current value was generated (RFC 3339). It changes exactly when the
   * value rotates, so apps that read the secret can be given a new revision (running replicas keep
   * the environment they started with).
   */
  readonly rotatedAt?: pulumi.Output<string>;
  /** Key Vault Secrets User assignments, by reader. */
  readonly grants: Record<string, pulumi.Resource>;

  constructor(name: string, args: VaultSecretArgs, opts?: pulumi.ComponentResourceOptions) {
    super("engram:security:VaultSecret", name, {}, opts);
    const v = args.value;
    let value: pulumi.Output<string>;
    let expires: pulumi.Output<number> | undefined;
    let lifecycleTags: Record<string, string>;
    let rotatedAt: pulumi.Output<string> | undefined;

    if (v.kind === "generated") {
      const rotation = new time.Rotating(
        `${name}-rotation`,
        { rotationDays: v.rotationDays },
        { parent: this },
      );
      const password = new random.RandomPassword(
        `${name}-value`,
        {
          length: v.length ?? 40,
          // Alphanumeric: the value goes into DSNs and headers unescaped; 40 characters is ~238 bits.
          special: false,
          minUpper: 2,
          minLower: 2,
          minNumeric: 2,
          keepers: { rotation: rotation.rotationRfc3339 },
        },
        { parent: this },
      );
      value = pulumi.secret(password.result);
      // Key Vault refuses to return an expired secret, so a value must outlive its rotation time:
      // the daily drift check sees the expired trigger and the next `pulumi up` rotates, within
      // the grace period, before any app restart could fail on it.
      expires = rotation.rotationRfc3339.apply((t) => unixOf(t) + ROTATION_GRACE_DAYS * 86_400);
      rotatedAt = rotation.rfc3339;
      lifecycleTags = { rotation: "automatic", "rotation-days": String(v.rotationDays) };
    } else if (v.kind === "provided") {
      const since = new time.Offset(
        `${name}-expiry`,
        {
          offsetDays: v.expiryDays,
          // A new value re-bases the expiry; the trigger is a digest, kept secret all the same.
          triggers: {
            value: pulumi.secret(v.value.apply((s) => createHash("sha256").update(s).digest("hex"))),
          },
        },
        { parent: this },
      );
      value = pulumi.secret(v.value);
      expires = since.unix;
      lifecycleTags = { rotation: "manual", "expiry-days": String(v.expiryDays) };
    } else {
      value = pulumi.secret(v.value);
      expires = v.expires === undefined ? undefined : pulumi.output(v.expires);
      lifecycleTags = { rotation: "external" };
    }

    const secret = new keyvault.Secret(
      `${name}-secret`,
      {
        secretName: args.secretName,
        vaultName: args.vaultName,
        resourceGroupName: args.resourceGroupName,
        properties: {
          value,
          contentType: args.contentType,
          attributes: { enabled: true, ...(expires ? { expires } : {}) },
        },
        tags: { ...args.tags, ...lifecycleTags, source: args.source },
      },
      { parent: this, dependsOn: args.after ?? [] },
    );

    this.grants = {};
    for (const reader of Object.keys(args.readers).sort()) {
      this.grants[reader] = grant(
        {
          principal: args.readers[reader],
          role: args.readerRoles?.[reader] ?? "Key Vault Secrets User",
          scope: { id: secret.id, label: `kv-secret:${args.secretName}` },
          subscriptionId: args.subscriptionId,
          environment: args.environment,
        },
        { parent: this },
      );
    }

    this.id = secret.id;
    this.secretName = args.secretName;
    this.secretUri = secret.properties.apply((p) => p.secretUri);
    this.value = value;
    this.expires = expires;
    this.rotatedAt = rotatedAt;
    this.registerOutputs({ id: this.id, secretUri: this.secretUri });
  }
}
