// table
import { APP_ROLE_VALUES } from "../../src/config/types";

/**
 * What each app role may reach on the API (SOP 000 "Roles (App + Platform)": "App roles: Admin
 * (full), Analyst (chat/memory/agents), PM (workflows/agents), Viewer (read)"; SOP 001 "Map Entra
 * app roles → internal roles (Admin, Analyst, PM, Viewer)", "keep /health unauthenticated").
 *
 * One read-only (GET) route per area, so a release check never changes data: a role the SOP
 * allows must get through (not 401/403), any other role must get 403. Viewer reads every area but
 * administration. The paths are the API's contract with this check: when the API moves a route,
 * this table moves with it.
 */

/** The API's app roles, as the program registers them (src/layers/entra.ts). */
export const APP_ROLES = APP_ROLE_VALUES;
export type AppRole = (typeof APP_ROLES)[number];

export interface RoleRoute {
  path: string;
  /** The SOP area the route belongs to. */
  area: string;
  allowed: readonly AppRole[];
}

/** Unauthenticated health (SOP 001: keep /health unauthenticated). */
export const HEALTH_PATH = "/health";
/** Readiness, with a valid bearer token (SOP 000 checklist: "/health,/ready with valid bearer token"). */
export const READY_PATH = "/ready";
/** The MCP endpoint (SOP 001: "Mounted at /api/v1/mcp; reuse the same auth dependency as the REST API"). */
export const MCP_PATH = "/api/v1/mcp";
/** A route that needs a token, whatever the role: what an anonymous request must be refused on. */
export const PROTECTED_PATH = "/api/v1/agents";

export const ROLE_ROUTES: readonly RoleRoute[] = [
  { path: "/api/v1/chat/sessions", area: "chat", allowed: ["Admin", "Analyst", "Viewer"] },
  { path: "/api/v1/memory", area: "memory", allowed: ["Admin", "Analyst", "Viewer"] },
  { path: "/api/v1/agents", area: "agents", allowed: ["Admin", "Analyst", "PM", "Viewer"] },
  { path: "/api/v1/workflows", area: "workflows", allowed: ["Admin", "PM", "Viewer"] },
  { path: "/api/v1/admin/users", area: "administration", allowed: ["Admin"] },
];

/** The environment variable that holds a test principal's token for a role. */
export const roleTokenVar = (role: AppRole): string => `ENGRAM_VALIDATE_TOKEN_${role.toUpperCase()}`;
