import { byCodePoint, escapeText } from "../../lib/text";
import { get, Json, list, obj } from "./rest";
import { Check, Context, fail, Outcome, skip, verdict } from "./types";

/**
 * The runtime's reachability and the SPA's login, read from ARM (Container Apps ingress, the AKS
 * cluster) and by anonymous HTTPS requests to the Static Web App.
 */

const q = (v: unknown) => escapeText(JSON.stringify(v) ?? "undefined");

/** On AKS, what Zep and Temporal are reachable from lives in Kubernetes, not in ARM. */
const AKS_SKIP =
  "runtime aks: ClusterIP Services and network policies are Kubernetes objects behind the private API server, which validate does not read; the plan's policies are proven offline (tests)";

async function ingressOf(ctx: Context, name: string): Promise<Json> {
  const app = await ctx.arm.getJson(
    `${ctx.outputs.resourceGroupId}/providers/Microsoft.App/containerApps/${name}?api-version=2024-03-01`,
  );
  return obj(obj(obj(app.properties).configuration).ingress);
}

async function internalCheck(ctx: Context): Promise<Outcome> {
  if (ctx.expected.runtime === "aks") return skip(AKS_SKIP);
  const problems: string[] = [];
  const evidence: string[] = [];
  for (const app of ctx.expected.apps.filter((a) => a.service === "zep" || a.service === "temporal")) {
    const ingress = await ingressOf(ctx, app.name);
    evidence.push(`${app.name}: ingress external ${q(ingress.external)}, transport ${q(ingress.transport)}`);
    if (ingress.external !== false)
      problems.push(
        `${app.name} (${app.service}) has external ingress (${q(ingress.external)}); it must be internal`,
      );
  }
  if (evidence.length === 0) return fail("the plan has no Zep or Temporal Container App");
  return verdict(problems, "Zep and the Temporal server have internal ingress only", evidence);
}

async function temporalUiCheck(ctx: Context): Promise<Outcome> {
  if (ctx.expected.runtime === "aks") return skip(AKS_SKIP);
  const ui = ctx.expected.apps.find((a) => a.service === "temporal-ui");
  if (!ui) return fail("the plan has no Temporal UI Container App");
  const ingress = await ingressOf(ctx, ui.name);
  const allowed = list(ingress.ipSecurityRestrictions)
    .map(obj)
    .filter((r) => r.action === "Allow")
    .map((r) => String(r.ipAddressRange))
    .sort(byCodePoint);
  const planned = [...ui.allowlist].sort(byCodePoint);
  const problems: string[] = [];
  if (ingress.external !== ui.external)
    problems.push(`${ui.name}: ingress external is ${q(ingress.external)}, planned ${ui.external}`);
  if (JSON.stringify(allowed) !== JSON.stringify(planned))
    problems.push(`${ui.name}: IP allowlist is ${q(allowed)}, planned ${q(planned)}`);
  const gate = ui.external
    ? `external, allowlist ${planned.join(", ")}`
    : planned.length
      ? `internal, allowlist ${planned.join(", ")}`
      : "internal only";
  return verdict(problems, `the Temporal UI is gated as planned (${escapeText(gate)})`, [
    `${ui.name}: ingress external ${q(ingress.external)}, allow ${q(allowed)}`,
  ]);
}

async function clusterCheck(ctx: Context): Promise<Outcome> {
  const name = ctx.expected.cluster;
  if (ctx.expected.runtime !== "aks" || !name)
    return skip(`runtime ${ctx.expected.runtime}: no AKS cluster in this environment`);
  const c = obj(
    (
      await ctx.arm.getJson(
        `${ctx.outputs.resourceGroupId}/providers/Microsoft.ContainerService/managedClusters/${name}?api-version=2024-09-01`,
      )
    ).properties,
  );
  const api = obj(c.apiServerAccessProfile);
  const problems: string[] = [];
  if (api.enablePrivateCluster !== true)
    problems.push(
      `${name}: the API server is not private (enablePrivateCluster ${q(api.enablePrivateCluster)})`,
    );
  if (c.disableLocalAccounts !== true) problems.push(`${name}: local accounts are not disabled`);
  if (obj(c.aadProfile).enableAzureRbac !== true)
    problems.push(`${name}: Azure RBAC for Kubernetes authorization is off`);
  if (!obj(c.networkProfile).networkPolicy) problems.push(`${name}: no network policy engine`);
  return verdict(
    problems,
    `${name}: private API server, Entra with Azure RBAC, no local accounts, a network policy engine`,
    [
      `enablePrivateCluster ${q(api.enablePrivateCluster)}, disableLocalAccounts ${q(c.disableLocalAccounts)}, enableAzureRbac ${q(obj(c.aadProfile).enableAzureRbac)}, networkPolicy ${q(obj(c.networkProfile).networkPolicy)}`,
    ],
  );
}

/** Paths of the SPA an anonymous visitor must not get, and a login provider other than Entra. */
const SPA_PATHS = ["/", "/index.html"];
const OTHER_PROVIDER = "/.auth/login/github";

async function swaCheck(ctx: Context): Promise<Outcome> {
  const problems: string[] = [];
  const evidence: string[] = [];
  for (const path of SPA_PATHS) {
    const res = await get(`${ctx.webUrl}${path}`, {}, "manual");
    await res.body?.cancel();
    const location = res.headers.get("location") ?? "";
    evidence.push(`GET ${path} anonymous: ${res.status}${location ? ` -> ${escapeText(location)}` : ""}`);
    const toEntra = res.status >= 300 && res.status < 400 && location.includes("/.auth/login/aad");
    if (!toEntra && res.status !== 401)
      problems.push(
        `${path} answered ${res.status}${location ? ` (to ${escapeText(location)})` : ""} to an anonymous visitor; expected 401 or a redirect to /.auth/login/aad`,
      );
  }
  const other = await get(`${ctx.webUrl}${OTHER_PROVIDER}`, {}, "manual");
  await other.body?.cancel();
  evidence.push(`GET ${OTHER_PROVIDER}: ${other.status}`);
  if (other.status !== 404 && other.status !== 401 && other.status !== 403)
    problems.push(`${OTHER_PROVIDER} answered ${other.status}: a login provider other than Entra is open`);
  return verdict(
    problems,
    "the Static Web App sends anonymous visitors to the Entra login and offers no other provider",
    evidence,
  );
}

export const RUNTIME_CHECKS: Check[] = [
  {
    id: "runtime.internal",
    sop: 'SOP 000 checklist "Zep: ... network internal-only"; "Temporal: ... server internal"',
    title:
      "Zep and the Temporal server are not reachable from outside (ACA ingress internal; SKIP on AKS, see the reason)",
    usesPlan: true,
    run: internalCheck,
  },
  {
    id: "runtime.temporal-ui",
    sop: 'SOP 000 checklist "Temporal: UI gated"',
    title: "the Temporal UI's ingress is internal with the planned IP allowlist (ACA; SKIP on AKS)",
    usesPlan: true,
    run: temporalUiCheck,
  },
  {
    id: "runtime.cluster",
    sop: 'SOP 000 "Prod: private endpoints ...; AKS private cluster"',
    title:
      "the AKS cluster's API server is private, Entra + Azure RBAC, no local accounts, network policy on (SKIP on ACA)",
    usesPlan: true,
    run: clusterCheck,
  },
  {
    id: "web.login",
    sop: 'SOP 000 checklist "SWA: Entra login enforced; routes protected"',
    title:
      "the Static Web App answers an anonymous visitor with 401 or the Entra login, and offers no other provider",
    run: swaCheck,
  },
];
