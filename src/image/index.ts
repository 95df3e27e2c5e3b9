export { ImageStore, ImageNotFoundError, type ImageRecord } from "./image-store.js";
export { openImage, imageId, type ImageView } from "./image-view.js";
export { inspectImage, type DockerImageInspect } from "./image-inspect.js";
export { fullName, findImage, tagImage, removeImage, type RemoveImageOptions } from "./image-names.js";
export { removeImages, type RemoveImagesResult, type RemovedImage, type RemovedBlob } from "./remove-images.js";
export type { ImageUser } from "./image-user.js";
export { ImageInUseError, type ImageInUseConflict } from "./image-in-use-error.js";
export { AmbiguousImageError } from "./ambiguous-image-error.js";
export { parseImageLocation, type ImageLocation } from "./image-location.js";
export { pull, unpackFor, type PullOptions, type PullOutcome } from "./pull.js";
export { push, type PushOptions } from "./push.js";
export { copy } from "./copy.js";
export { save, saveToFile, load, type SaveOptions } from "./save-load.js";
export type { UnpackProgress } from "./unpack/index.js";
export { SnapshotStore, chainIds, flattenToDirectory, type SnapshotInfo } from "./unpack/index.js";
export { readTarEntries, ArchiveFormatError, type TarEntry as ArchiveTarEntry, type ReadTarOptions } from "./archive/index.js";
/** A program by name: PATH, then the sbin and bin dirs a user's PATH may omit (runc, crun, mknod). */
export { findProgram } from "./unpack/system-tools.js";
export { ensureTopDirectory } from "./unpack/top-directory.js";
