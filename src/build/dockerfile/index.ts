export type * from "./dockerfile-ast.js";
export { DockerfileError, WordExpansionError, type DockerfileErrorOptions } from "./dockerfile-errors.js";
export { parseDockerfile } from "./parse-dockerfile.js";
export { expandWord, expandWords, wordVariables, type EscapeChar } from "./expand-words.js";
export { planStages, resolveGlobalArgs, type PlannedStage, type StagePlanOptions } from "./stage-plan.js";
export { flagValues } from "./parse-flags.js";
export { expandHeredoc } from "./expand-words.js";
export { buildDockerfile, type BuildDockerfileOptions, type BuiltDockerfileImage, type DockerfileStep } from "./build-dockerfile.js";
export { DockerContextFilter } from "./docker-context-filter.js";
export { StepCache, type CachedStep } from "./step-cache.js";
export { mountStepRootfs, mountReadOnly, StepRootfs, type ReadOnlyRootfs } from "./step-rootfs.js";
export { writeUpperDirLayer, UpperDirEntryError, type UpperDirLayer, type UpperDirLayerOptions } from "./upper-dir-layer.js";
export { commitStep, type CommitStepOptions, type CommittedStep } from "./commit-step.js";
export { copyIntoRootfs, type CopyIntoRootfsOptions, type CopyResult, type CopyProgress } from "./copy-into-rootfs.js";
export { resolveCopySources, ResolvedCopySources, type CopySourcesRequest } from "./copy-sources.js";
export { hashCopySources } from "./copy-hash.js";
export {
  CopySourceNotFoundError, CopyOutsideContextError, InvalidCopySourceError, NoSourceFilesError, CopyDestinationError,
  CopyOwnerError, UnsafeArchiveError, AddDownloadError, AddChecksumError,
} from "./copy-errors.js";
