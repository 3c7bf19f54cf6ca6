/**
 * The five environments, in deployment order (DESIGN.md §1, §9), and their two tiers. The rows of
 * the environment matrix (`src/matrix.ts`); here, as pure data, so components and the bootstrap
 * can name an environment without importing the program.
 */

export const ENVIRONMENTS = ["dev", "test", "uat", "staging", "prod"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

export const LOWER_ENVIRONMENTS: readonly Environment[] = ["dev", "test"];
export const HIGHER_ENVIRONMENTS: readonly Environment[] = ["uat", "staging", "prod"];

export function isEnvironment(value: string): value is Environment {
  return (ENVIRONMENTS as readonly string[]).includes(value);
}

export function isHigher(env: Environment): boolean {
  return HIGHER_ENVIRONMENTS.includes(env);
}
