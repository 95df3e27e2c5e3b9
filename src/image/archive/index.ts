// Image archives: docker-archive and OCI image layouts (tar and directory), in and out.
export { importArchive, type ImportArchiveOptions } from "./import-archive.js";
export { readOciLayoutDir } from "./read-oci-layout-dir.js";
export { type OciLayoutImportOptions } from "./oci-layout-import.js";
export { exportDockerArchive, type DockerArchiveExportOptions } from "./export-docker-archive.js";
export { exportOciLayout, writeOciLayoutDir } from "./export-oci-layout.js";
export { type ArchiveWriteOptions } from "./archive-file.js";
export { writeArchiveFile } from "./archive-file-writer.js";
export { type ImportedImage, type ImageToExport, type ArchiveStore } from "./imported-image.js";
export { REF_NAME, CONTAINERD_NAME } from "./ref-names.js";
export { DOCKER_LAYER_UNCOMPRESSED } from "./layer-compression.js";
export { readTarEntries, type TarEntry, type ReadTarOptions } from "./tar-entries.js";
export {
  ArchiveEntryError, MissingEntryError, ArchiveFormatError, UnsupportedCompressionError,
  MissingBlobError, StoredContentError, PlatformRequiredError, ArchiveOutputError,
} from "./errors.js";
