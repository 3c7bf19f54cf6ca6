import { PolicyPack } from "@pulumi/policy";
import { engramPolicies, environmentFromConfig, Environment } from "./policies";

/**
 * The engram-infra policy pack: `pulumi preview --policy-pack policy` (and `pulumi up`). Pulumi
 * starts it with the stack's config in PULUMI_CONFIG; `engram:environment` picks the rules.
 * `npm run policy -- plan/<stack>.json` runs the same policies on an offline plan.
 */
let env: Environment;
try {
  env = environmentFromConfig(process.env.PULUMI_CONFIG);
} catch (e) {
  // Without the environment the pack cannot choose its rules: one line, and the pack does not start.
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
}

new PolicyPack("engram-sop", {
  description: "engram-infra SOP rules (SOP 000-003), per environment",
  enforcementLevel: "mandatory",
  policies: engramPolicies(env),
});
