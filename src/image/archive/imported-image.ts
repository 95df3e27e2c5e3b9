import type { BlobIngester, BlobProvider } from "../../content/index.js";
import type { Descriptor, Platform } from "../../oci/index.js";

/**
 * One image an archive held, now in the content store: the manifest or index
 * (and everything it reaches) is committed and verified.
 */
export interface ImportedImage {
  /**
   * The names the archive gave it, as written there: docker-archive RepoTags
   * (`busybox:latest`, `docker.io/library/busybox:latest`), else an OCI
   * index.json entry's `io.containerd.image.name` (a full reference), else its
   * `org.opencontainers.image.ref.name` (often a bare tag, `latest`). Empty for
   * an untagged image. The caller normalises and records them.
   */
  readonly names: readonly string[];
  /** The stored manifest or index: mediaType, digest, size, and platform when the archive gave one. */
  readonly manifest: Descriptor;
}

/** An image to write into an archive: a stored manifest or index and the names to give it. */
export interface ImageToExport {
  readonly manifest: Descriptor;
  /** References (`busybox:latest`) or, for an OCI layout, bare tags (`latest`); may be empty. */
  readonly names: readonly string[];
  /** For a docker-archive of an index: the platform to take, over the export's own option. */
  readonly platform?: Platform;
}

/** What import needs of a content store: read committed blobs, ingest new ones. */
export type ArchiveStore = BlobProvider & BlobIngester;
