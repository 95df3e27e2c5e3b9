// One-call functions.
export { pullImage, type PullImageOptions, type PullResult, type PulledImage, type PullStore } from "./pull-image.js";
export { pushImage, type PushImageOptions, type PushResult, type PushStore } from "./push-image.js";
export { copyImage, type CopyImageOptions } from "./copy-image.js";
export { defaultConcurrency, type TransferOptions } from "./transfer-options.js";
export type { ProgressEvent, ProgressListener } from "./progress.js";

// Credentials in docker's config.json (berth login / logout).
export {
  loadCredentials, saveCredentials, removeCredentials, dockerConfigPath, credentialKey, DOCKER_HUB_KEY,
  type Credentials, type DockerConfigOptions,
} from "./auth/docker-config.js";

// The composable pieces.
export { RegistryClient, type RegistryClientOptions, type CredentialSource, type CallOptions } from "./registry-client.js";
export { fetchIngestRef, type FetchBlobOptions, type BlobSink } from "./blob-fetcher.js";
export type { BlobSource, PushBlobOptions, PushBlobOutcome } from "./blob-pusher.js";
export { MANIFEST_ACCEPT, MAX_MANIFEST_BYTES, type FetchedManifest, type FetchManifestOptions } from "./manifest-fetcher.js";
export type { ListTagsOptions } from "./tag-lister.js";
export { selectManifests, type ManifestSelection } from "./select-manifests.js";
export { registryEndpoint, isLoopbackHost, type RegistryEndpoint, type RegistryEndpointOptions } from "./registry-endpoint.js";
export { extraCaContext } from "./extra-ca.js";
export { NodeHttpTransport, type HttpTransport, type HttpRequest, type HttpResponse, type BodyWriter, type NodeHttpTransportOptions } from "./http-transport.js";
export type { RetryOptions } from "./retry.js";
export { parseChallenges, type Challenge } from "./auth/challenge.js";

// Errors.
export { RegistryResponseError, type RegistryErrorEntry } from "./registry-response-error.js";
export { TransportError, ManifestTooLargeError, ManifestDigestMismatchError, CancelledError, MissingIndexEntryError } from "./errors.js";
export { CredentialHelperError } from "./auth/credential-helper.js";
