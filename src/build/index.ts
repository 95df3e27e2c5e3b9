export { buildBase, type BuildBaseOptions, type BuiltBase } from "./build-base.js";
export { loadBaseSpec, parseBaseSpec, type BaseSpec, type BaseUser } from "./base-spec.js";
export { readBaseLock, writeBaseLock, type BaseLock, type LockedPackage, type LockRequest } from "./base-lock.js";
export { readAptSources, parseDeb822Sources, parseOneLineSources, sourcesForSuite, type AptSource } from "./apt-sources.js";
export { compareDebianVersions, parseDebianVersion, satisfiesRelation, type DebianVersion, type VersionRelation } from "./debian-version.js";
export { PackagesIndex, type PackageRecord, type PackageRelation, type DependencyGroup } from "./packages-index.js";
export { resolveDependencies, type ResolveOptions } from "./dependency-resolver.js";
export { ChecksumMismatchError, SignatureError, UnsatisfiableDependencyError, BadPackageError, MirrorUnavailableError } from "./errors.js";
export * from "./node-app/index.js";
