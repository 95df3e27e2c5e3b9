/**
 * The orchestrator layer: stacks of services from compose files — the
 * compose model (compose/) and the engine that brings a stack up and down and
 * reconciles it once (stack/), and what the daemon composes around it: the
 * reconcile loop (supervisor/), SQLite state (state/), load balancing
 * (balancer/), rolling updates (rollout/), autoscaling and right-sizing (scaling/).
 */
export * from "./compose/index.js";
export * from "./stack/index.js";
export * from "./supervisor/index.js";
export * from "./balancer/index.js";
export * from "./scaling/index.js";
export * from "./state/index.js";
export * from "./rollout/index.js";
