// Pulumi entry point (Pulumi.yaml `main`). Exporting the program as a function lets the Pulumi
// runtime await it and use its result as the stack outputs, and lets the offline plan and the tests
// run the very same program under mocks.
import { engram } from "./program";

export = engram;
