// Entry point of the bootstrap project (bootstrap/Pulumi.yaml). The program itself is in
// src/program.ts so that tests can run it under Pulumi mocks.
import { bootstrap } from "./src/program";

const outputs = bootstrap();

/** Set these on each GitHub environment (or let `manageGithub: true` do it). Not secret. */
export const githubEnvironmentVariables = outputs.githubEnvironmentVariables;
export const environmentResourceGroups = outputs.environmentResourceGroups;
export const stateStorageAccount = outputs.stateStorageAccount;
export const keyVault = outputs.keyVault;

/** With `cicdHub` config: the value of the main program's `engram:cicdHub` (prod, and staging on AKS). */
export const cicdHub = outputs.cicdHub;
/** The subnet GitHub's hosted runners join (delegated to GitHub.Network/networkSettings). */
export const cicdRunnerSubnetId = outputs.cicdRunnerSubnetId;
/** Give this to GitHub: the organization's hosted compute network configuration takes it. */
export const githubNetworkSettingsId = outputs.githubNetworkSettingsId;
