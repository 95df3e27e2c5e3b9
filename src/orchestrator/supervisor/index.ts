// The daemon's loop over kept stacks: what the api layer composes.
export { StackSupervisor, StackNotKeptError, StackUpIncompleteError, desiredCounts, type UpCheckResult, type SupervisedStack, type PassHook, type StackSupervisorOptions, type OperationSinks, type LoggedEvent } from "./stack-supervisor.js";
export type { StackUpRequest, StackDownRequest } from "./stack-request.js";
export { ServiceTraffic, type PublishedServicePort } from "./service-traffic.js";
export { StackScaling, type StackScalingOptions } from "./stack-scaling.js";
export { StackRollouts } from "./stack-rollouts.js";
