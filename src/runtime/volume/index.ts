// Named volumes and docker's mount flags (-v, --mount) for the runtime layer.
export { VolumeStore, type VolumeStoreOptions, type CreateVolumeOptions, type PruneVolumesResult } from "./volume-store.js";
export type { Volume } from "./volume-record.js";
export { VolumeNotFoundError, VolumeInUseError, VolumeRecordError } from "./volume-errors.js";
export { isValidVolumeName, checkVolumeName, ANONYMOUS_LABEL } from "./volume-name.js";
export { parseLabel, parseLabels, type VolumeLabels } from "./volume-labels.js";
export {
  checkContainerPath, type MountRequest, type BindMountRequest, type VolumeMountRequest, type TmpfsMountRequest, type BindPropagation,
} from "./mount-request.js";
export { parseVolumeFlag } from "./parse-volume-flag.js";
export { parseMountFlag } from "./parse-mount-flag.js";
export { imageVolumeRequests } from "./image-volumes.js";
export { resolveMounts, releaseMounts, type ResolvedMounts, type ResolvedBindMount } from "./resolve-mounts.js";
export { copyUp, type CopyUpResult } from "./copy-up.js";
