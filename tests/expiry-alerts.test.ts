import { byCodePoint } from "../lib/text";
import { PlanIndex } from "../scripts/offline/plan-index";
import { idOf, Json } from "./helpers/data";
import { isHigher } from "../src/matrix";
import { VAULT_EXPIRY_ALERTS } from "../src/observability/alerts";
import { ENVIRONMENTS, planOk, report } from "./helpers/plan";

/**
 * Key Vault expiry alerts: secrets expire by design (supplied keys on the matrix schedule, generated
 * ones after their rotation time plus grace), and an expired secret stops an app at its next start.
 * Where alerts are on, the vault's Event Grid system topic raises an Azure Monitor alert to the
 * action group 30 days before and on expiry, and every secret is written after the subscriptions
 * exist (Key Vault raises the events only for versions written after that).
 */

const TOPIC = "azure-native:eventgrid:SystemTopic";
const SUBSCRIPTION = "azure-native:eventgrid:SystemTopicEventSubscription";
const SECRET = "azure-native:keyvault:Secret";
const VAULT = "azure-native:keyvault:Vault";
/** The environment's action group, by the id the plan gives it (checked by tests/alerts.test.ts). */
const actionGroupOf = (index: PlanIndex) => idOf(index.one("azure-native:monitor:ActionGroup"));

function subscriptions(index: PlanIndex) {
  return index.ofType(SUBSCRIPTION).sort((a, b) => byCodePoint(a.urn, b.urn));
}

describe.each(ENVIRONMENTS.filter(isHigher))("Key Vault expiry alerts in %s (alerts required)", (env) => {
  it("a system topic on the environment's vault, in the vault's region", async () => {
    const { index } = await planOk(env);
    const topic = index.one(TOPIC).newState;
    const vault = index.one(VAULT);
    expect(topic.inputs).toMatchObject({
      systemTopicName: `egst-engram-${env}-kv`,
      topicType: "Microsoft.KeyVault.vaults",
      source: idOf(vault),
      location: vault.newState.inputs.location,
      resourceGroupName: `rg-engram-${env}`,
    });
    expect(topic.propertyDependencies.source).toEqual([vault.urn]);
  });

  it("near expiry (Sev2) and expired (Sev1) raise Azure Monitor alerts to the action group, in the cloud events schema", async () => {
    const { index } = await planOk(env);
    const found = subscriptions(index).map((s) => s.newState.inputs);
    expect(found).toEqual([
      {
        eventSubscriptionName: `evgs-engram-${env}-kv-expired`,
        systemTopicName: `egst-engram-${env}-kv`,
        resourceGroupName: `rg-engram-${env}`,
        eventDeliverySchema: "CloudEventSchemaV1_0",
        filter: {
          includedEventTypes: ["Microsoft.KeyVault.SecretExpired", "Microsoft.KeyVault.CertificateExpired"],
          isSubjectCaseSensitive: false,
        },
        destination: {
          endpointType: "MonitorAlert",
          severity: "Sev1",
          description: VAULT_EXPIRY_ALERTS.expired.action,
          actionGroups: [actionGroupOf(index)],
        },
      },
      {
        eventSubscriptionName: `evgs-engram-${env}-kv-near-expiry`,
        systemTopicName: `egst-engram-${env}-kv`,
        resourceGroupName: `rg-engram-${env}`,
        eventDeliverySchema: "CloudEventSchemaV1_0",
        filter: {
          includedEventTypes: [
            "Microsoft.KeyVault.SecretNearExpiry",
            "Microsoft.KeyVault.CertificateNearExpiry",
          ],
          isSubjectCaseSensitive: false,
        },
        destination: {
          endpointType: "MonitorAlert",
          severity: "Sev2",
          description: VAULT_EXPIRY_ALERTS.nearExpiry.action,
          actionGroups: [actionGroupOf(index)],
        },
      },
    ]);
  });

  it("the plan report lists both alerts with their severity and events", async () => {
    const md = await report(env);
    expect(md).toContain(
      [
        "### Key Vault expiry alerts",
        "",
        "| alert | severity | Key Vault events |",
        "|---|---|---|",
        `| evgs-engram-${env}-kv-expired | Sev1 | SecretExpired, CertificateExpired |`,
        `| evgs-engram-${env}-kv-near-expiry | Sev2 | SecretNearExpiry, CertificateNearExpiry |`,
      ].join("\n"),
    );
  });

  it("every secret with an expiry is written after both subscriptions exist", async () => {
    const { index } = await planOk(env);
    const subs = subscriptions(index).map((s) => s.urn);
    expect(subs).toHaveLength(2);
    const secrets = index.ofType(SECRET);
    expect(secrets.length).toBeGreaterThan(0);
    for (const s of secrets) {
      expect(s.newState.dependencies).toEqual(expect.arrayContaining(subs));
      expect((s.newState.inputs as Json).properties.attributes.expires).toEqual(expect.any(Number));
    }
  });
});

describe.each(ENVIRONMENTS.filter((e) => !isHigher(e)))("Key Vault expiry alerts in %s", (env) => {
  it("none while alerts are off, and secrets wait for nothing of the kind", async () => {
    const { index } = await planOk(env);
    expect(await report(env)).toContain(
      "### Key Vault expiry alerts\n\nNone: alerts are off in this environment (`engram:alerts`).",
    );
    expect(index.ofType(TOPIC)).toEqual([]);
    expect(index.ofType(SUBSCRIPTION)).toEqual([]);
    for (const s of index.ofType(SECRET))
      expect(s.newState.dependencies.filter((d) => d.includes("eventgrid"))).toEqual([]);
  });

  // With engram:alerts=true the same alerts, to this environment's action group:
  // tests/alerts.test.ts, which plans that variant anyway.
});
