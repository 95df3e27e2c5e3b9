// Layer unpacking for the image layer: what src/image/index.ts re-exports to other layers.
export { chainIds } from "./chain-id.js";
export {
  SnapshotStore, type SnapshotStoreOptions, type SnapshotSpec, type FilledSnapshot,
} from "./snapshot-store.js";
export { SnapshotDraft, commitDrafts } from "./snapshot-draft.js";
export type { SnapshotInfo, SnapshotFormat } from "./snapshot-meta.js";
export { unpackImage, type UnpackImageOptions, type UnpackProgress, type UnpackResult } from "./unpack-image.js";
export { extractLayer, type ExtractOptions, type ExtractResult, type ExtractWarning, type WhiteoutFormat } from "./extract-layer.js";
export { flattenToDirectory, type FlattenOptions } from "./flatten-to-directory.js";
export { readTar, type TarEntry, type TarEntryType, type TarReaderOptions } from "./tar-reader.js";
export { decompress, layerCompression, type Compression } from "./decompress.js";
export { rootPath } from "./root-path.js";
export {
  LayerEntryError, LayerFormatError, DiffIdMismatchError, UnsupportedLayerError, SnapshotNotFoundError,
} from "./unpack-errors.js";
