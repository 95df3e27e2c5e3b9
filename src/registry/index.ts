export { createRegistry, scopesFor, registryPaths, type Registry, type RegistryOptions } from "./registry.js";
export { serveRegistry, parseListenAddress, type RunningRegistry, type ServeRegistryOptions } from "./serve-registry.js";
export { RepositoryStore, type StoredManifest } from "./repository-store.js";
export { RegistryError } from "./registry-error.js";
export { garbageCollect, type GarbageCollectOptions, type GarbageCollectResult } from "./garbage-collect.js";
export { fsck, type FsckProblem, type FsckResult } from "./fsck.js";
export { loadRegistryConfig, type RegistryConfig } from "./registry-config.js";
export { parseAuthConfig, type AuthConfig } from "./auth/auth-config.js";
