/**
 * berth's public API, grouped by layer. One-call functions first, the
 * composable pieces beneath them.
 */

// oci: the data model
export {
  BerthError, InvalidArgumentError, isBerthError, type ErrorCode,
  parseDigest, digestOf, type Digest, type DigestAlgorithm,
  MediaType, parseManifest, type Descriptor, type ImageManifest, type ImageIndex, type ParsedManifest,
  parseReference, formatReference, familiarName, type Reference,
  parsePlatform, formatPlatform, platformMatches, type Platform,
} from "./oci/index.js";

// content: the blob store
export { ContentStore, BlobWriter, DigestMismatchError, type BlobInfo } from "./content/index.js";

// registry: the OCI distribution server
export {
  createRegistry, serveRegistry, garbageCollect, fsck, loadRegistryConfig,
  type Registry, type RegistryOptions, type RunningRegistry, type ServeRegistryOptions, type RegistryConfig, type AuthConfig,
} from "./registry/index.js";
