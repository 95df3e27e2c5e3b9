export { BerthError, InvalidArgumentError, isBerthError, type ErrorCode, type BerthErrorOptions } from "./errors.js";
export {
  parseDigest, isDigest, digestOf, digestAlgorithm, digestEncoded, isDigestAlgorithm, Digester,
  type Digest, type DigestAlgorithm,
} from "./digest.js";
export { MediaType, MANIFEST_MEDIA_TYPES, isIndexMediaType, isManifestMediaType, MEDIA_TYPE_GRAMMAR } from "./media-types.js";
export { parseDescriptor, parseAnnotations, type Descriptor } from "./descriptor.js";
export { parseManifest, bareMediaType, type ParsedManifest, type ImageManifest, type ImageIndex } from "./manifest.js";
export { DistributionErrorCode, type DistributionErrorCodeName, type DistributionErrorBody } from "./distribution-errors.js";
export {
  parseReference, parseRepositoryName, isValidTag, formatReference, familiarName, type Reference,
} from "./reference.js";
export { parsePlatform, formatPlatform, normalizePlatform, platformMatches, hostPlatform, type Platform } from "./platform.js";
export { matchDistributionRoute, distributionPath, type DistributionRoute } from "./distribution-routes.js";
export { isSchema1MediaType } from "./media-types.js";
export { parseDescriptorPlatform } from "./descriptor.js";
export {
  parseImageConfig, configPlatform,
  type ImageConfig, type ContainerConfig, type Healthcheck, type RootFS, type HistoryEntry,
} from "./image-config.js";
export { PlatformNotFoundError, offeredPlatforms, selectPlatformEntry } from "./select-platform.js";
export { lazy } from "./lazy.js";
export { parseGoDuration, formatGoDuration } from "./go-duration.js";
