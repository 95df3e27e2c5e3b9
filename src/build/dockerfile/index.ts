export type * from "./dockerfile-ast.js";
export { DockerfileError, WordExpansionError, type DockerfileErrorOptions } from "./dockerfile-errors.js";
export { parseDockerfile } from "./parse-dockerfile.js";
export { expandWord, expandWords, wordVariables, type EscapeChar } from "./expand-words.js";
export { planStages, resolveGlobalArgs, type PlannedStage, type StagePlanOptions } from "./stage-plan.js";
export { flagValues } from "./parse-flags.js";
export { parseGoDuration } from "./parse-duration.js";
