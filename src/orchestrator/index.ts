/**
 * The orchestrator layer: stacks of services from compose files. For now it
 * holds the compose file model; the reconcile loop and its state come later.
 */
export * from "./compose/index.js";
