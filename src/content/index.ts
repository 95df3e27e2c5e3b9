export { ContentStore, type BlobProvider, type BlobIngester } from "./content-store.js";
export { BlobWriter, type BlobInfo, type CommitExpectations } from "./blob-writer.js";
export { DigestMismatchError, SizeMismatchError, BlobNotFoundError, IngestLockedError } from "./errors.js";
export { replaceFileAtomic, writeFileAtomic, type AtomicWriteOptions } from "./atomic-write.js";
export { fsyncDir } from "./fsync-dir.js";
export { collectGarbage, reachableFrom, type CollectGarbageOptions, type CollectGarbageResult } from "./garbage-collect.js";
export { withFileLock, isProcessAlive } from "./file-lock.js";
export { whenDrained, type DrainSource } from "./when-drained.js";
export { identityOf, identityOfSync, isRunning, selfIdentity, type ProcessIdentity } from "./process-identity.js";
