import { PlanStep, PreviewJson } from "./plan";

/** Read access to a plan: resources by type, by URN, by name; children of a component. */
export class PlanIndex {
  readonly steps: PlanStep[];
  private readonly byUrn = new Map<string, PlanStep>();

  constructor(readonly plan: PreviewJson) {
    this.steps = plan.steps;
    for (const s of plan.steps) this.byUrn.set(s.urn, s);
  }

  /** Steps of resources (not providers, not the stack) of the given type token. */
  ofType(type: string): PlanStep[] {
    return this.steps.filter((s) => s.newState.type === type);
  }

  /** The single resource of a type whose logical name is `name` (throws if not exactly one). */
  one(type: string, name?: string): PlanStep {
    const found = this.ofType(type).filter((s) => name === undefined || this.logicalName(s) === name);
    if (found.length !== 1)
      throw new Error(`expected one ${type}${name ? ` named ${name}` : ""}, found ${found.length}`);
    return found[0];
  }

  get(urn: string): PlanStep | undefined {
    return this.byUrn.get(urn);
  }

  logicalName(step: PlanStep): string {
    return step.urn.split("::").pop() as string;
  }

  /** Resources registered below `urn` (children, grandchildren, ...). */
  descendants(urn: string): PlanStep[] {
    const out: PlanStep[] = [];
    const walk = (parent: string) => {
      for (const s of this.steps)
        if (s.newState.parent === parent) {
          out.push(s);
          walk(s.urn);
        }
    };
    walk(urn);
    return out;
  }

  /** Resources that are not providers or the stack. */
  get resources(): PlanStep[] {
    return this.steps.filter((s) => !s.newState.type.startsWith("pulumi:"));
  }

  get stackOutputs(): Record<string, unknown> {
    const stack = this.steps.find((s) => s.newState.type === "pulumi:pulumi:Stack");
    return stack?.newState.outputs ?? {};
  }
}
