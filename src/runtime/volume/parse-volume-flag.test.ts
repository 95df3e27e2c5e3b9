import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isBerthError } from "../../oci/index.js";
import type { MountRequest } from "./mount-request.js";
import { parseVolumeFlag } from "./parse-volume-flag.js";

/** Omit over each member of the union, so a case's `want` is checked against its own mount type. */
type Want = MountRequest extends infer R ? (R extends MountRequest ? Omit<R, "origin"> : never) : never;

interface Case {
  readonly input: string;
  readonly want?: Want;
  readonly expectErr?: RegExp;
}

const bind = (source: string, target: string, readOnly = false, extra = {}): Case["want"] => ({ type: "bind", source, target, readOnly, ...extra });
const vol = (name: string | undefined, target: string, readOnly = false, noCopy = false): Case["want"] =>
  ({ type: "volume", ...(name !== undefined && { name }), target, readOnly, noCopy, labels: {} });

const cases: readonly Case[] = [
  // binds
  { input: "/srv/data:/data", want: bind("/srv/data", "/data") },
  { input: "/srv/data:/data:ro", want: bind("/srv/data", "/data", true) },
  { input: "/srv/data:/data:rw", want: bind("/srv/data", "/data") },
  { input: "/srv:/data:ro,rshared", want: bind("/srv", "/data", true, { propagation: "rshared" }) },
  { input: "/srv:/data:z", want: bind("/srv", "/data") },
  { input: "/:/host:ro", want: bind("/", "/host", true) },
  { input: "/srv//x/:/data//y/", want: bind("/srv/x", "/data/y") },
  // named volumes
  { input: "data:/var/lib/data", want: vol("data", "/var/lib/data") },
  { input: "db_1.x-y:/d:ro", want: vol("db_1.x-y", "/d", true) },
  { input: "data:/d:nocopy", want: vol("data", "/d", false, true) },
  { input: "data:/d:ro,nocopy", want: vol("data", "/d", true, true) },
  // anonymous volumes
  { input: "/data", want: vol(undefined, "/data") },
  { input: "/data:ro", want: vol(undefined, "/data", true) },
  { input: "/data:nocopy", want: vol(undefined, "/data", false, true) },
  // hostile or wrong
  { input: "", expectErr: /^-v "": empty/ },
  { input: "data", expectErr: /^-v data: the container path "data" is not absolute/ },
  { input: "./data:/d", expectErr: /volume name "\.\/data" holds characters/ },
  { input: "~/data:/d", expectErr: /volume name "~\/data"/ },
  { input: "data/sub:/d", expectErr: /volume name "data\/sub"/ },
  { input: "x:/d", expectErr: /volume name "x" is too short/ },
  { input: `${"a".repeat(256)}:/d`, expectErr: /is 256 characters long/ },
  { input: ":/d", expectErr: /source before ":" is empty/ },
  { input: "/srv:", expectErr: /container path is empty/ },
  { input: "/srv:data", expectErr: /mode "data" is not one of/ },
  { input: "vol:data", expectErr: /container path "data" is not absolute/ },
  { input: "/srv:/", expectErr: /cannot mount over the container's root/ },
  { input: "/srv:/a/../../etc", expectErr: /holds "\.\.", which is refused/ },
  { input: "/srv/../etc:/d", expectErr: /host path "\/srv\/\.\.\/etc" holds "\.\."/ },
  { input: "/..", expectErr: /holds "\.\."/ },
  { input: "/srv:/./d", expectErr: /holds "\." components/ },
  { input: "/srv:/d\0x", expectErr: /control character/ },
  { input: "/srv:/d:rx", expectErr: /mode "rx" is not one of ro, rw, nocopy/ },
  { input: "/srv:/d:ro,rw", expectErr: /mode "rw" conflicts with "ro"/ },
  { input: "/srv:/d:ro,", expectErr: /mode "" is not one of/ },
  { input: "/srv:/d:nocopy", expectErr: /nocopy applies to volumes/ },
  { input: "data:/d:rshared", expectErr: /propagation rshared applies to host paths/ },
  { input: "/srv:/d:shared,slave", expectErr: /conflicts with propagation shared/ },
  { input: "/a:/b:ro:x", expectErr: /too many ":"/ },
  { input: "C:\\x:/d", expectErr: /container path "\\\\x" is not absolute/ },
  { input: `/d${"/x".repeat(2100)}`, expectErr: /longer than 4096 bytes/ },
  { input: "/srv:/d\n", expectErr: /^-v "\/srv:\/d\\n": the container path holds a control character/ },
];

describe("parseVolumeFlag", () => {
  for (const c of cases) {
    it(JSON.stringify(c.input.length > 60 ? `${c.input.slice(0, 60)}…` : c.input), () => {
      if (c.expectErr) {
        assert.throws(() => parseVolumeFlag(c.input), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT") && c.expectErr!.test(e.message));
      } else {
        const { origin, ...got } = parseVolumeFlag(c.input);
        assert.deepEqual(got, c.want);
        assert.equal(origin, `-v ${c.input}`);
      }
    });
  }

  it("a relative source gets docker's hint to give an absolute path", () => {
    assert.throws(() => parseVolumeFlag("./data:/d"), (e: unknown) => isBerthError(e) && /absolute path/.test(e.hint ?? ""));
  });
});
