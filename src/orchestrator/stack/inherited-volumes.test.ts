import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { MountRequest, VolumeMountRequest } from "../../runtime/index.js";
import { withInheritedVolumes } from "./inherited-volumes.js";

const anon = (target: string): VolumeMountRequest => ({ type: "volume", target, readOnly: false, noCopy: false, labels: {}, origin: `services.db.volumes: ${target}` });

describe("withInheritedVolumes", () => {
  const inherited = new Map([["/anon", "a".repeat(64)], ["/var/lib/db", "b".repeat(64)], ["/gone", "c".repeat(64)]]);

  it("names the anonymous mounts and the image's VOLUME paths after the predecessor's volumes; named, bind and new paths stay as they are", () => {
    const named: MountRequest = { ...anon("/named"), name: "keep_data" };
    const bind: MountRequest = { type: "bind", source: "/srv", target: "/gone", readOnly: true, origin: "./srv:/gone" };
    const out = withInheritedVolumes([anon("/anon"), anon("/fresh"), named, bind], { "/var/lib/db/": {}, "/anon": {}, "/other": {} }, inherited);
    assert.deepEqual(out, [
      { ...anon("/anon"), name: "a".repeat(64), noCopy: true },
      anon("/fresh"),
      named,
      bind,
      { type: "volume", name: "b".repeat(64), target: "/var/lib/db", readOnly: false, noCopy: true, labels: {}, origin: "image VOLUME \"/var/lib/db/\"" },
    ]);
  });

  it("finds an image VOLUME path written unclean (doubled slashes) as the runtime mounts it", () => {
    const out = withInheritedVolumes([], { "/var//lib/db//": {} }, inherited);
    assert.deepEqual(out.map((m) => [m.target, m.type === "volume" ? m.name : undefined]), [["/var/lib/db", "b".repeat(64)]]);
  });

  it("changes nothing without inherited volumes", () => {
    assert.deepEqual(withInheritedVolumes([anon("/anon")], { "/x": {} }, new Map()), [anon("/anon")]);
  });
});
