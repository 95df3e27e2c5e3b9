// The runtime layer: what other layers may use.
export { runContainer, type RunContainerOptions, type ForegroundContainer } from "./run-container.js";
export { prepareRunImage, type RunImage, type PrepareImageOptions } from "./run-image.js";
export {
  parseBind, parseTmpfs, parseMemory, parseCpus, parsePidsLimit, parseEnv, parseEnvFile, parseCapabilities,
  type ContainerOptions, type BindMount, type TmpfsMount,
} from "./container-options.js";
export { buildRuntimeSpec, type RuntimeSpecInput } from "./runtime-spec.js";
export type { RuntimeSpec, SpecProcess, SpecMount, SpecLinux, SpecResources } from "./spec-types.js";
export { resolveUser, type ResolvedUser } from "./resolve-user.js";
export { DEFAULT_CAPABILITIES, ALL_CAPABILITIES, MASKED_PATHS, READONLY_PATHS, effectiveCapabilities, normalizeCapability } from "./default-security.js";
export { OverlayRootfs, isMountPoint } from "./rootfs.js";
export { Runc, type RuncOptions, type RuncStdio, type RuncExit, type RuncRun } from "./runc.js";
export { ContainerNames, NameInUseError } from "./container-names.js";
export { readContainerRecord, type ContainerRecord } from "./container-record.js";
export { reapOrphans } from "./reap-orphans.js";
export { isRunning, selfIdentity, type ProcessIdentity } from "./process-identity.js";
export { ContainerStartError, RootfsError, RuntimeToolError, classifyStartFailure, type StartFailureCode } from "./errors.js";
export { nofileHardLimit } from "./host-limits.js";
export { seccompForSpec, DEFAULT_SECCOMP_PROFILE, type SpecSeccomp, type SpecSyscall, type SeccompContext } from "./seccomp-profile.js";
export { loadSeccompProfile, type LoadedSeccomp } from "./seccomp-loader.js";
export { etcFilesIn, writeEtcFiles, type EtcFiles } from "./etc-files.js";
