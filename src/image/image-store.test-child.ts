// Child process of image-store.test.ts: sets 20 names in a shared store.
import { digestOf, MediaType } from "../oci/index.js";
import { ImageStore } from "./image-store.js";

const [root, p] = process.argv.slice(2);
const store = new ImageStore(root!);
for (let i = 0; i < 20; i++) {
  await store.setName(`docker.io/library/p${p}:t${i}`, { mediaType: MediaType.OciManifest, digest: digestOf(`${p}-${i}`), size: 1 });
}
