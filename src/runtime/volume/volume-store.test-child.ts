// Child process of volume-store.test.ts: creates the same volumes as its siblings, at the same time.
import { VolumeStore } from "./volume-store.js";

const [root, p] = process.argv.slice(2);
const store = new VolumeStore(root!);
const createdAt: string[] = [];
let createdShared = false;
for (let i = 0; i < 10; i++) {
  createdAt.push((await store.create(`v${i}`)).CreatedAt);
  const { created } = await store.createAndAcquire("shared", `c${p}`);
  createdShared ||= created;
}
process.send?.({ createdAt, createdShared }, () => process.disconnect());
