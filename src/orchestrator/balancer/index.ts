// Load balancing of published ports across a service's healthy replicas. What other layers may use.
export { ServiceBalancer, type ServiceBalancerOptions, type BalancerAddress, type BalancerStats, type BackendStats } from "./service-balancer.js";
export type { BalancerBackend } from "./backend-pool.js";
export { BalancerSet, type BalancerSetOptions, type DesiredBalancer, type BalancerListing, type BalancerSyncResult } from "./balancer-set.js";
export { balancerBackends, desiredBalancers, balancerKey, isServing, type BalancerBackendsOptions } from "./balancer-backends.js";
export { BalancerListenError, BalancerStateError } from "./errors.js";
export type { BalancedPort } from "../stack/stack-plan.js";
