import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isBerthError } from "../../oci/index.js";
import type { MountRequest } from "./mount-request.js";
import { parseMountFlag } from "./parse-mount-flag.js";

/** Omit over each member of the union, so a case's `want` is checked against its own mount type. */
type Want = MountRequest extends infer R ? (R extends MountRequest ? Omit<R, "origin"> : never) : never;

interface Case {
  readonly input: string;
  readonly want?: Want;
  readonly expectErr?: RegExp;
}

const cases: readonly Case[] = [
  // bind
  { input: "type=bind,source=/srv,target=/data", want: { type: "bind", source: "/srv", target: "/data", readOnly: false } },
  { input: "type=bind,src=/srv,dst=/data,readonly", want: { type: "bind", source: "/srv", target: "/data", readOnly: true } },
  { input: "type=bind,src=/srv,destination=/data,ro=true", want: { type: "bind", source: "/srv", target: "/data", readOnly: true } },
  { input: "type=bind,src=/srv,target=/data,ro=0", want: { type: "bind", source: "/srv", target: "/data", readOnly: false } },
  { input: "TYPE=BIND,Source=/srv,Target=/data", want: { type: "bind", source: "/srv", target: "/data", readOnly: false } },
  {
    input: "type=bind,source=/srv,target=/data,bind-propagation=rslave,consistency=cached",
    want: { type: "bind", source: "/srv", target: "/data", readOnly: false, propagation: "rslave" },
  },
  { input: "type=bind,\"source=/srv/a,b\",target=/data", want: { type: "bind", source: "/srv/a,b", target: "/data", readOnly: false } },
  { input: "type=bind,source=/srv/a:b,target=/data", want: { type: "bind", source: "/srv/a:b", target: "/data", readOnly: false } },
  // volume
  { input: "type=volume,source=data,target=/data", want: { type: "volume", name: "data", target: "/data", readOnly: false, noCopy: false, labels: {} } },
  { input: "source=data,target=/data", want: { type: "volume", name: "data", target: "/data", readOnly: false, noCopy: false, labels: {} } },
  { input: "type=volume,target=/data", want: { type: "volume", target: "/data", readOnly: false, noCopy: false, labels: {} } },
  {
    input: "type=volume,src=data,dst=/data,volume-nocopy,volume-label=a=1,volume-label=b,\"volume-label=c=x,y\",volume-driver=local,ro",
    want: { type: "volume", name: "data", target: "/data", readOnly: true, noCopy: true, labels: { a: "1", b: "", c: "x,y" } },
  },
  { input: "type=volume,src=data,dst=/data,volume-nocopy=false", want: { type: "volume", name: "data", target: "/data", readOnly: false, noCopy: false, labels: {} } },
  // tmpfs
  { input: "type=tmpfs,target=/run", want: { type: "tmpfs", target: "/run", options: [] } },
  { input: "type=tmpfs,dst=/run,tmpfs-size=64m,tmpfs-mode=1777", want: { type: "tmpfs", target: "/run", options: [`size=${64 * 1024 ** 2}`, "mode=1777"] } },
  { input: "type=tmpfs,dst=/run,tmpfs-size=1.5KiB,tmpfs-mode=0755,readonly", want: { type: "tmpfs", target: "/run", options: ["size=1536", "mode=755", "ro"] } },
  // hostile or wrong
  { input: "", expectErr: /^--mount "": empty/ },
  { input: "type=bind,source=/srv", expectErr: /target is required/ },
  { input: "type=bind,target=/data", expectErr: /source is required for type=bind/ },
  { input: "type=bind,source=srv,target=/data", expectErr: /source: the host path "srv" is not absolute/ },
  { input: "type=bind,source=/srv/../etc,target=/data", expectErr: /holds "\.\.", which is refused/ },
  { input: "type=bind,source=/srv,target=data", expectErr: /target: the container path "data" is not absolute/ },
  { input: "type=volume,target=/a/../../etc", expectErr: /holds "\.\."/ },
  { input: "type=volume,source=../x,target=/d", expectErr: /source: volume name "\.\.\/x"/ },
  { input: "type=tmpfs,target=/", expectErr: /cannot mount over the container's root/ },
  { input: "type=nfs,target=/d", expectErr: /type "nfs" is not bind, volume or tmpfs/ },
  { input: "type=bind,source=/srv,target=/d,bogus=1", expectErr: /unexpected key "bogus" in "bogus=1"/ },
  { input: "type=bind,source=/srv,target=/d,target=/e", expectErr: /target is given twice/ },
  { input: "type=bind,source=/srv,dst=/d,destination=/e", expectErr: /target is given twice/ },
  { input: "type=bind,source=/srv,target", expectErr: /field "target" must be a key=value pair/ },
  { input: "type=bind,source=/srv,target=/d,", expectErr: /field "" must be a key=value pair/ },
  { input: "type=bind,source=/srv,target=/d,readonly=maybe", expectErr: /readonly=maybe: expected true or false/ },
  { input: "type=bind,source=/srv,target=/d,volume-nocopy", expectErr: /volume-nocopy cannot be used with type=bind/ },
  { input: "type=bind,source=/srv,target=/d,volume-label=a=b", expectErr: /volume-label cannot be used with type=bind/ },
  { input: "type=volume,target=/d,bind-propagation=shared", expectErr: /bind-propagation cannot be used with type=volume/ },
  { input: "type=volume,target=/d,tmpfs-size=1m", expectErr: /tmpfs-size cannot be used with type=volume/ },
  { input: "type=tmpfs,source=x,target=/d", expectErr: /source is not allowed for type=tmpfs/ },
  { input: "type=tmpfs,target=/d,tmpfs-size=lots", expectErr: /tmpfs-size "lots" is not a size/ },
  { input: "type=tmpfs,target=/d,tmpfs-size=0", expectErr: /tmpfs-size "0"/ },
  { input: "type=tmpfs,target=/d,tmpfs-size=-1m", expectErr: /tmpfs-size "-1m"/ },
  { input: `type=tmpfs,target=/d,tmpfs-size=${"9".repeat(30)}`, expectErr: /tmpfs-size/ },
  { input: "type=tmpfs,target=/d,tmpfs-mode=999", expectErr: /tmpfs-mode "999" is not an octal mode/ },
  { input: "type=tmpfs,target=/d,tmpfs-mode=17777", expectErr: /tmpfs-mode "17777"/ },
  { input: "type=tmpfs,target=/d,tmpfs-mode=1777;rm", expectErr: /tmpfs-mode/ },
  { input: "type=bind,source=/s,target=/d,bind-propagation=weird", expectErr: /bind-propagation "weird" is not one of private/ },
  { input: "type=volume,target=/d,volume-driver=nfs", expectErr: /volume-driver "nfs": only local exists/ },
  { input: "type=volume,target=/d,volume-opt=o=addr=1.2.3.4", expectErr: /volume-opt is not supported: the local driver/ },
  { input: "type=volume,target=/d,volume-label==x", expectErr: /the label key is empty/ },
  { input: "type=bind,source=/s,target=/d,consistency=fast", expectErr: /consistency "fast"/ },
  { input: "type=bind,source=/s,target=/d,bind-nonrecursive", expectErr: /bind-nonrecursive is not supported/ },
  { input: "type=bind,\"source=/s,target=/d", expectErr: /quoted field has no closing "/ },
  { input: "type=bind,\"source=/s\"x,target=/d", expectErr: /text after a closing quote/ },
  { input: "type=bind,sou\"rce=/s,target=/d", expectErr: /a " inside an unquoted field/ },
  { input: "type=bind,\"source=/s\nx\",target=/d", expectErr: /line break/ },
  { input: "type=volume,target=/d\0", expectErr: /control character/ },
  { input: "type=volume,target=/d,constructor=x", expectErr: /unexpected key "constructor"/ },
  { input: "type=volume,target=/d,__proto__=x", expectErr: /unexpected key "__proto__"/ },
  { input: "type=volume,target=/d,toString", expectErr: /field "toString" must be a key=value pair/ },
];

describe("parseMountFlag", () => {
  for (const c of cases) {
    it(JSON.stringify(c.input.length > 70 ? `${c.input.slice(0, 70)}…` : c.input), () => {
      if (c.expectErr) {
        assert.throws(() => parseMountFlag(c.input), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT") && c.expectErr!.test(e.message));
      } else {
        const { origin, ...got } = parseMountFlag(c.input);
        assert.deepEqual(got, c.want);
        assert.match(origin, /^--mount /);
      }
    });
  }

  it("every error names the flag", () => {
    for (const c of cases.filter((x) => x.expectErr)) {
      assert.throws(() => parseMountFlag(c.input), (e: unknown) => e instanceof Error && e.message.startsWith("--mount "), c.input);
    }
  });

  it("a label key __proto__ stays a label, not a prototype", () => {
    const r = parseMountFlag("type=volume,target=/d,volume-label=__proto__=x");
    assert.ok(r.type === "volume");
    assert.equal(Object.getPrototypeOf(r.labels), Object.prototype);
    assert.deepEqual(Object.entries(r.labels), [["__proto__", "x"]]);
  });
});
