import * as pulumi from "@pulumi/pulumi";
import * as network from "@pulumi/azure-native/network";

/** What the policy needs of AppGatewayWafArgs (documented there). */
export interface WafPolicyArgs {
  policyName: string;
  resourceGroupName: pulumi.Input<string>;
  location: pulumi.Input<string>;
  tags: Record<string, string>;
  /** @default ["/api/v1/mcp"] */
  rateLimitedPathPrefixes?: string[];
  /** @default 300 */
  rateLimitPerMinute?: number;
}

/**
 * The WAF policy: Prevention mode, Microsoft Default Rule Set 2.1 and Bot Manager 1.1, request
 * body and upload limits, and the per-IP rate limit on the MCP paths (SOP 001).
 */
export function wafPolicy(
  name: string,
  args: WafPolicyArgs,
  parent: pulumi.Resource,
): network.WebApplicationFirewallPolicy {
  return new network.WebApplicationFirewallPolicy(
    name,
    {
      policyName: args.policyName,
      resourceGroupName: args.resourceGroupName,
      location: args.location,
      policySettings: {
        state: "Enabled",
        mode: "Prevention",
        requestBodyCheck: true,
        requestBodyEnforcement: true,
        maxRequestBodySizeInKb: 128,
        fileUploadEnforcement: true,
        fileUploadLimitInMb: 100,
      },
      managedRules: {
        managedRuleSets: [
          { ruleSetType: "Microsoft_DefaultRuleSet", ruleSetVersion: "2.1" },
          // Bot protection (DESIGN.md §6; Azure Policy ebea0d86): blocks known bad bots from
          // Microsoft Threat Intelligence; 1.1 is the current Bot Manager version on App Gateway.
          { ruleSetType: "Microsoft_BotManagerRuleSet", ruleSetVersion: "1.1" },
        ],
      },
      customRules: [
        {
          name: "RateLimitMcp",
          priority: 10,
          ruleType: "RateLimitRule",
          state: "Enabled",
          action: "Block",
          rateLimitDuration: "OneMin",
          rateLimitThreshold: args.rateLimitPerMinute ?? 300,
          groupByUserSession: [{ groupByVariables: [{ variableName: "ClientAddr" }] }],
          matchConditions: [
            {
              matchVariables: [{ variableName: "RequestUri" }],
              operator: "BeginsWith",
              matchValues: args.rateLimitedPathPrefixes ?? ["/api/v1/mcp"],
              transforms: ["Lowercase", "UrlDecode"],
            },
          ],
        },
      ],
      tags: args.tags,
    },
    { parent },
  );
}
