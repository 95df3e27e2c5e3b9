export { ImageStore, ImageNotFoundError, type ImageRecord } from "./image-store.js";
export { openImage, chooseManifest, imageId, PlatformNotFoundError, type ImageView } from "./image-view.js";
export { inspectImage, type DockerImageInspect } from "./image-inspect.js";
export { fullName, findImage, tagImage, removeImage } from "./image-names.js";
