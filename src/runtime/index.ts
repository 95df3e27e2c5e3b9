// The runtime layer: what other layers may use.
export { runContainer, type RunContainerOptions, type ForegroundContainer } from "./run-container.js";
export { runBuildStep, hostPassThrough, buildStepMountPoints, BuildStepStartError, HOST_CA_PATH, type BuildStepOptions, type BuildStepResult, type BuildStepBind, type StepMountPoint, type HostPassThrough } from "./build-step.js";
export { prepareRunImage, type RunImage, type PrepareImageOptions } from "./run-image.js";
export {
  parseBind, parseTmpfs, parseMemory, parseMemorySwap, parseCpus, parsePidsLimit, parseEnv, parseEnvFile, parseCapabilities,
  type ContainerOptions, type BindMount, type TmpfsMount, type PublishedPort,
} from "./container-options.js";
export { ContainerRuntime, MONITOR_LOST, type ContainerSummary } from "./container-runtime.js";
export { RuntimeContext, ContainerNotFoundError, ContainerStateError, type RuntimeContextOptions } from "./runtime-context.js";
export { imageUsers } from "./image-users.js";
export type { CreateContainerOptions } from "./create-container.js";
export type { StartOptions } from "./start-container.js";
export type { ExecOptions } from "./exec-container.js";
export { normalizeSignal } from "./stop-container.js";
export { healthFromFlags, healthFromImage, parseHealthFlags, type HealthFlags } from "./health-config.js";
export type { HealthStatus, HealthLogEntry } from "./health-status.js";
export { inspectContainer, commandLine, type ContainerInspect } from "./container-inspect.js";
export { dockerState, parseContainerFilter, matchesContainerFilter, type ContainerFilter } from "./container-filter.js";
export type { ContainerState, ContainerStatus } from "./container-state.js";
export { wantsRestart, restartDelayMs } from "./container-exit.js";
export { Conmon, type ConmonCreateOptions } from "./conmon.js";
export { containerCgroupPath } from "./container-cgroup.js";
export { buildRuntimeSpec, type RuntimeSpecInput } from "./runtime-spec.js";
export type { RuntimeSpec, SpecProcess, SpecMount, SpecLinux, SpecResources } from "./spec-types.js";
export { resolveUser, type ResolvedUser } from "./resolve-user.js";
export { DEFAULT_CAPABILITIES, ALL_CAPABILITIES, MASKED_PATHS, READONLY_PATHS, effectiveCapabilities, normalizeCapability } from "./default-security.js";
export { OverlayRootfs, isMountPoint } from "./rootfs.js";
export { Runc, runcStateDir, type RuncOptions, type RuncStdio, type RuncExit, type RuncRun, type RuncContainerBundle } from "./runc.js";
export { ContainerNames, NameInUseError } from "./container-names.js";
export { renameContainer } from "./rename-container.js";
export { containerNetworks, type ContainerNetworkConfig } from "./container-networks.js";
export type { NetworkConnectRequest } from "./connect-container-network.js";
export { readContainerRecord, type ContainerRecord, type RestartPolicy, type HealthConfig } from "./container-record.js";
export { reapOrphans } from "./reap-orphans.js";
export { isRunning, selfIdentity, identityOf, identityOfSync, type ProcessIdentity } from "./process-identity.js";
export { ContainerStartError, RootfsError, RuntimeToolError, classifyStartFailure, type StartFailureCode } from "./errors.js";
export { nofileHardLimit } from "./host-limits.js";
export { seccompForSpec, DEFAULT_SECCOMP_PROFILE, type SpecSeccomp, type SpecSyscall, type SeccompContext } from "./seccomp-profile.js";
export { loadSeccompProfile, type LoadedSeccomp } from "./seccomp-loader.js";
export { etcFilesIn, writeEtcFiles, type EtcFiles } from "./etc-files.js";
export * from "./network/index.js";
export * from "./volume/index.js";
export * from "./cgroup/index.js";
export * from "./logs/index.js";
export * from "./copy/index.js";
/** `BERTH_TRACE=1`: a timestamp per step of a command, on stderr. */
export { trace } from "./internal/trace.js";
export { makeFifos } from "./output-fifos.js";
