import { z } from "zod";
import { addressSpaceProblem, parseCidr } from "../../lib/cidr";
import { hasUnsafeText } from "../../lib/text";
import { ENVIRONMENTS, SETTING_KEYS } from "../matrix";
import {
  APP_ROLE_GROUPS,
  APP_ROLE_VALUES,
  GroupKey,
  ImageService,
  PLATFORM_GROUPS,
  SECRET_SETTING_KEYS,
  IMAGE_KEYS,
} from "./types";

/**
 * The value schemas of the plain keys, and the key lists derived from them. Each message is the
 * rule, quoted after "is not allowed in <env>: ".
 */

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const IMAGE =
  /^[a-z0-9]+([._-][a-z0-9]+)*(\.[a-z0-9-]+)*(:\d+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)+(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;
export const DIGEST = /@sha256:[a-f0-9]{64}$/;

const positiveInt = () =>
  z
    .number({ error: "a positive whole number" })
    .int({ error: "a positive whole number" })
    .positive({ error: "a positive whole number" })
    .optional();
const text = (rule: string) => z.string({ error: rule }).trim().min(1, { error: rule });
/** A tag value: Azure takes at most 256 characters. */
const tagValue = (rule: string) =>
  text(rule)
    .max(256, { error: "an Azure tag value is at most 256 characters" })
    .refine((v) => !hasUnsafeText(v), { error: "a tag value holds no control or invisible characters" });
const guid = (rule: string) => z.string({ error: rule }).regex(GUID, { error: rule });

/** An ARM resource id of a DDoS protection plan (resource group 1-90 characters, plan name 1-80). */
const DDOS_PLAN_ID =
  /^\/subscriptions\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\/resourceGroups\/[-\w.()]{1,90}\/providers\/Microsoft\.Network\/ddosProtectionPlans\/[a-z0-9][-\w.]{0,79}$/i;

/** An ARM resource id of a virtual network (resource group 1-90 characters, VNet name 2-64). */
const VNET_ID =
  /^\/subscriptions\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\/resourceGroups\/[-\w.()]{1,90}\/providers\/Microsoft\.Network\/virtualNetworks\/[a-z0-9][-\w.]{0,62}[\w]$/i;

export const schemas = {
  location: z.string({ error: "an Azure region name such as westeurope" }).regex(/^[a-z][a-z0-9]{2,39}$/, {
    error: "an Azure region name such as westeurope",
  }),
  nameSuffix: z
    .string()
    .regex(/^[a-z0-9]{3,6}$/, { error: "the name suffix is 3-6 lowercase letters and digits" }),
  network: z.strictObject(
    {
      addressSpace: z
        .string({ error: "the address space is an IPv4 CIDR from /16 to /22, e.g. 10.20.0.0/16" })
        // The rules live with the subnet carving (lib/cidr.ts), so they can never disagree.
        .superRefine((v, c) => {
          const problem = addressSpaceProblem(v);
          if (problem) c.addIssue({ code: "custom", message: problem });
        }),
    },
    { error: 'network is an object {"addressSpace": "<IPv4 CIDR /16-/22>"}' },
  ),
  tags: z.strictObject(
    {
      owner: tagValue("tags.owner is a non-empty string"),
      costCenter: tagValue("tags.costCenter is a non-empty string"),
    },
    { error: 'tags is an object {"owner": "...", "costCenter": "..."}' },
  ),
  frontendOrigins: z.array(z.string(), { error: "frontendOrigins is a list of https origins" }),
  devOrigins: z.array(z.string(), { error: "devOrigins is a list of http://localhost:PORT origins" }),
  adminIpAllowlist: z.array(z.string(), { error: "adminIpAllowlist is a list of IPv4 addresses or CIDRs" }),
  images: z.strictObject(
    Object.fromEntries(
      IMAGE_KEYS.map((s) => [
        s,
        z
          .string({
            error: (iss) =>
              iss.input === undefined
                ? `the ${s} image is required`
                : "an image reference such as ghcr.io/org/app:1.2.3 or ...@sha256:<digest>",
          })
          .regex(IMAGE, { error: "an image reference such as ghcr.io/org/app:1.2.3 or ...@sha256:<digest>" }),
      ]),
    ) as Record<ImageService, z.ZodString>,
    { error: "images is an object with backend, worker, zep, temporal and temporalUi image references" },
  ),
  registry: z.string(),
  ddosProtectionPlanId: z.string().regex(DDOS_PLAN_ID, {
    error:
      "the resource id of a Microsoft.Network/ddosProtectionPlans resource (/subscriptions/<subscription id>/resourceGroups/<group>/providers/Microsoft.Network/ddosProtectionPlans/<name>)",
  }),
  cicdHub: z.strictObject(
    {
      vnetId: z.string({ error: "cicdHub.vnetId is required" }).regex(VNET_ID, {
        error:
          "the resource id of a Microsoft.Network/virtualNetworks resource (/subscriptions/<subscription id>/resourceGroups/<group>/providers/Microsoft.Network/virtualNetworks/<name>)",
      }),
      addressSpace: z
        .string({ error: "cicdHub.addressSpace is required" })
        .refine((v) => /\//.test(v) && parseCidr(v) !== undefined, {
          error: "the hub VNet's address space, an IPv4 CIDR with no host bits set, e.g. 10.250.0.0/24",
        }),
    },
    {
      error:
        'cicdHub is an object {"vnetId": "<resource id of the CI/CD hub VNet>", "addressSpace": "<its IPv4 CIDR>"}',
    },
  ),
  groups: z.strictObject(
    Object.fromEntries(
      [...APP_ROLE_GROUPS, ...PLATFORM_GROUPS].map((g) => [
        g,
        guid("a group is an Entra object id (GUID)").optional(),
      ]),
    ) as Record<GroupKey, z.ZodOptional<z.ZodString>>,
    { error: `groups is an object whose keys are ${[...APP_ROLE_GROUPS, ...PLATFORM_GROUPS].join(", ")}` },
  ),
  ai: z.strictObject(
    {
      accountId: z
        .string({ error: "ai.accountId is required" })
        .regex(
          /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[^/]+\/providers\/Microsoft\.CognitiveServices\/accounts\/[^/]+$/i,
          {
            error: "the resource id of a Microsoft.CognitiveServices/accounts resource",
          },
        ),
      endpoint: z
        .url({ protocol: /^https$/, error: "an https URL" })
        // Credentials never ride in the URL (SOP 002): no user:password@, no query (SAS tokens), no fragment.
        .refine((u) => !/^https:\/\/[^/]*@/.test(u) && !u.includes("?") && !u.includes("#"), {
          error:
            "an https URL with no user name, password, query or fragment (credentials are Key Vault secrets)",
        }),
    },
    { error: 'ai is an object {"accountId": "<resource id>", "endpoint": "https://..."}' },
  ),
  alertEmails: z.array(z.email({ error: "an email address" }), {
    error: "alertEmails is a list of email addresses",
  }),
  alertThresholds: z.strictObject(
    {
      authFailures: positiveInt(),
      secretReads: positiveInt(),
      accessDenied: positiveInt(),
      missingSecretExits: positiveInt(),
    },
    {
      error:
        "alertThresholds is an object with authFailures, secretReads, accessDenied and missingSecretExits",
    },
  ),
  signInAlerts: z
    .enum(["true", "false"], { error: "the value is true or false" })
    .transform((v) => v === "true"),
  retiredAppRoles: z.array(
    z.enum(APP_ROLE_VALUES, { error: `an app role value: ${APP_ROLE_VALUES.join(", ")}` }),
  ),
  removedAppRoles: z.array(
    z.enum(APP_ROLE_VALUES, { error: `an app role value: ${APP_ROLE_VALUES.join(", ")}` }),
  ),
};

export type PlainKey = keyof typeof schemas;
/** The plain keys' values as their schemas parsed them (absent: unset or refused). */
export type Parsed = Partial<Record<PlainKey, unknown>>;
export const schemaOf = (key: string): z.ZodType | undefined => (schemas as Record<string, z.ZodType>)[key];
const keysWhere = (test: (schema: z.ZodType) => boolean) =>
  new Set(Object.keys(schemas).filter((k) => test(schemaOf(k) as z.ZodType)));
/** Keys whose value is a list: Pulumi sets them element by element with `--path 'key[0]'`. */
export const LIST_KEYS = keysWhere((s) => s instanceof z.ZodArray);
/** Keys whose raw value is JSON: the objects and the lists (derived from their schemas). */
export const JSON_KEYS = keysWhere((s) => s instanceof z.ZodObject || s instanceof z.ZodArray);

export const REQUIRED: Record<string, string> = {
  environment: `the environment selects the matrix row: one of ${ENVIRONMENTS.join(", ")}`,
  location: "the Azure region is required",
  network: "the VNet address space is required (engram:network.addressSpace)",
  tags: "owner and costCenter tags are required on every resource",
  images: "the container images are required",
  ai: "the Azure AI account (engram:ai.accountId, engram:ai.endpoint) is required",
};

/** Every key this program reads in the `engram:` namespace. */
export const KNOWN_KEYS: readonly string[] = [
  "environment",
  ...Object.keys(schemas),
  ...SETTING_KEYS,
  ...SECRET_SETTING_KEYS,
];
