import { PolicyPack } from "@pulumi/policy";
import { engramPolicies, environmentFromConfig } from "./policies";

/**
 * The engram-infra policy pack: `pulumi preview --policy-pack policy` (and `pulumi up`). Pulumi
 * starts it with the stack's config in PULUMI_CONFIG; `engram:environment` picks the rules.
 * `npm run policy -- plan/<stack>.json` runs the same policies on an offline plan.
 */
new PolicyPack("engram-sop", {
  description: "engram-infra SOP rules (SOP 000-003), per environment",
  enforcementLevel: "mandatory",
  policies: engramPolicies(environmentFromConfig(process.env.PULUMI_CONFIG)),
});
