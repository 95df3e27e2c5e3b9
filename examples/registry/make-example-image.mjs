// Writes the example image (busybox from Debian's busybox-static) as an OCI
// layout at argv[2], tagged "latest". Uses the fixture generator the tests use
// until berth's own image builder lands.
import { makeBusyboxLayout } from "../../dist/test/fixtures/make-image.js";

const dir = process.argv[2];
if (!dir) {
  console.error("usage: make-example-image.mjs DIR");
  process.exit(2);
}
const image = await makeBusyboxLayout(dir, { tag: "latest" });
console.log(`wrote ${dir} (manifest ${image.manifest.digest})`);
