export { loadComposeProject, type LoadComposeOptions, type ComposeLoadResult } from "./load-compose-project.js";
export { dependencyOrder, DependencyCycleError } from "./dependency-order.js";
export { findComposeFiles, COMPOSE_FILE_NAMES, OVERRIDE_FILE_NAMES, type FoundComposeFiles } from "./find-compose-files.js";
export { ComposeFileError, formatComposeWarning, type ComposeWarning, type ComposeLocation } from "./compose-file-error.js";
export { interpolate, RequiredVariableError, InvalidTemplateError, type VariableLookup, type Interpolated } from "./interpolation.js";
export { parseDotenv, type DotenvOptions } from "./dotenv.js";
export { splitShellWords, type ShellWords } from "./shell-words.js";
export { parseDuration } from "./duration.js";
export { parseByteSize } from "./byte-size.js";
export { parsePortSpec, parseExposeSpec, type PortMapping, type PortRange, type ExposedPort, type PortProtocol } from "./port-spec.js";
export { parseVolumeSpec, isHostPath } from "./volume-spec.js";
export { normalizeProjectName, checkProjectName as checkComposeProjectName } from "./project-name.js";
export { formatYamlPath, type YamlPath } from "./yaml-path.js";
export type { ComposeProject, ComposeNetwork, ComposeVolume, ComposeFileResource } from "./compose-project.js";
export type {
  ComposeService, ServiceBuild, EnvFileRef, VolumeMount, DependencyCondition, ServiceDependency, Healthcheck, RestartPolicy,
  ServiceNetwork, FileGrant, ServiceDeploy, ResourceSpec, DeployRestartPolicy, UpdateConfig, BerthServiceOptions, ServiceProbe,
  AutoscaleOptions, RightSizeOptions,
} from "./compose-service.js";
