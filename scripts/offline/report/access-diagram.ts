import { byCodePoint } from "../../../lib/text";
import { AccessModel, accessModel } from "../access-model";
import { ReportSection } from "./section";

/**
 * The access of a plan as a Mermaid flowchart (GitHub renders it in plan/<stack>.md): principals,
 * grouped by service (each service's managed identity in its own box, Entra groups together), an
 * edge per role labelled with the role, to the scope it is granted on; app-role assignments as
 * edges to the API app registration. Reads the plan only (scripts/offline/access-model.ts).
 */

/** A label as Mermaid reads it inside `"..."`: quotes and angle brackets as entity codes. */
const label = (text: string) =>
  `"${text
    .replace(/"/g, "#quot;")
    .replace(/</g, "#lt;")
    .replace(/>/g, "#gt;")
    .replace(/[\r\n]/g, " ")}"`;

/** Node ids: letters, digits and underscores, unique within the diagram. */
class Ids {
  private readonly byKey = new Map<string, string>();
  private readonly taken = new Set<string>();
  id(prefix: string, key: string): string {
    const k = `${prefix}\0${key}`;
    const known = this.byKey.get(k);
    if (known) return known;
    const base = `${prefix}_${key.replace(/[^A-Za-z0-9]+/g, "_").replace(/^_+|_+$/g, "")}`;
    let id = base;
    for (let n = 2; this.taken.has(id); n++) id = `${base}_${n}`;
    this.taken.add(id);
    this.byKey.set(k, id);
    return id;
  }
}

export function accessDiagram(model: AccessModel): string {
  const ids = new Ids();
  const services = new Map<string, string[]>();
  const groups = new Set<string>();
  const others = new Set<string>();
  const scopes = new Set<string>();
  const apps = new Set<string>();
  for (const g of model.roleGrants) {
    if (g.principalType === "Group" || g.principal.startsWith("group:")) groups.add(g.principal);
    else if (g.principalType === "ServicePrincipal") services.set(g.principal, []);
    else others.add(g.principal);
    scopes.add(g.scope);
  }
  for (const a of model.appRoleGrants) {
    if (a.principal.startsWith("group:")) groups.add(a.principal);
    else others.add(a.principal);
    apps.add(a.app);
  }
  const sortedOf = (s: Iterable<string>) => [...s].sort(byCodePoint);
  const lines = ["flowchart LR"];
  for (const service of sortedOf(services.keys()))
    lines.push(
      `  subgraph ${ids.id("svc", service)}[${label(`service ${service}`)}]`,
      `    ${ids.id("p", service)}[${label(`${service} (managed identity)`)}]`,
      "  end",
    );
  const box = (id: string, title: string, nodes: string[], prefix: string) => {
    if (nodes.length === 0) return;
    lines.push(`  subgraph ${id}[${label(title)}]`);
    for (const n of nodes) lines.push(`    ${ids.id(prefix, n)}[${label(n)}]`);
    lines.push("  end");
  };
  box("entra_groups", "Entra groups", sortedOf(groups), "p");
  box("other_principals", "other principals", sortedOf(others), "p");
  box("scopes", "scopes", sortedOf(scopes), "s");
  box("app_registrations", "Entra app registrations", sortedOf(apps), "app");
  for (const g of model.roleGrants)
    lines.push(`  ${ids.id("p", g.principal)} -->|${label(g.role)}| ${ids.id("s", g.scope)}`);
  for (const a of model.appRoleGrants)
    lines.push(
      `  ${ids.id("p", a.principal)} -->|${label(`app role ${a.appRole}`)}| ${ids.id("app", a.app)}`,
    );
  return lines.join("\n");
}

export const accessDiagramSection: ReportSection = ({ index }) => {
  const model = accessModel(index);
  if (model.roleGrants.length === 0 && model.appRoleGrants.length === 0) return undefined;
  return [
    "## Access diagram",
    "",
    "Principals (each service's managed identity, Entra groups) -> role -> scope, as planned; app-role",
    "assignments point at the API app registration. The same facts as the tables above.",
    "",
    "```mermaid",
    accessDiagram(model),
    "```",
  ].join("\n");
};
