// docker cp for containers: what the runtime layer re-exports (the lead wires src/runtime/index.ts and the CLI).
export { copyFromContainer } from "./copy-from-container.js";
export { copyToContainer } from "./copy-to-container.js";
export type { CopyOptions } from "./transfer-tree.js";
export { planCopy, type CopyPlan, type CopySource, type CopyDestination } from "./copy-rules.js";
export { resolveInRoot, cleanContainerPath } from "./resolve-in-root.js";
export { MountedRoot, type CopyMount } from "./mounted-root.js";
export { extractArchive, type ExtractOptions } from "./extract-archive.js";
export { CopyPathNotFoundError, CopyRuleError, TooManySymlinksError, UnsafeArchiveEntryError, PathChangedError, ReadOnlyDestinationError, MountPointReplaceError } from "./errors.js";
