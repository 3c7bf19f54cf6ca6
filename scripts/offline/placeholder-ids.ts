import { createHash } from "crypto";

/**
 * The building blocks of the offline plan's placeholders (see placeholders.ts): the fixed
 * subscription, tenant and deployer, and values derived from a URN and a purpose.
 */

/** The subscription every placeholder ARM id lives in. */
export const PLACEHOLDER_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000";
/** The tenant every placeholder Entra value lives in. */
export const PLACEHOLDER_TENANT = "11111111-1111-1111-1111-111111111111";
/** The identity running the plan (the deployer). */
export const PLACEHOLDER_DEPLOYER_OBJECT_ID = "22222222-2222-2222-2222-222222222222";
export const PLACEHOLDER_DEPLOYER_CLIENT_ID = "33333333-3333-3333-3333-333333333333";

/** A UUID-shaped value derived from a URN and a purpose. */
export function placeholderUuid(urn: string, purpose: string): string {
  const h = createHash("sha256").update(`${urn}#${purpose}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function token(urn: string, purpose: string, length: number): string {
  return createHash("sha256").update(`${urn}#${purpose}`).digest("hex").slice(0, length);
}

export type Inputs = Record<string, unknown>;
export type Outputs = Record<string, unknown>;

export const str = (v: unknown, fallback: string): string =>
  typeof v === "string" && v.length > 0 ? v : fallback;

export const rgId = (i: Inputs) =>
  `/subscriptions/${PLACEHOLDER_SUBSCRIPTION}/resourceGroups/${str(i.resourceGroupName, "rg")}`;
