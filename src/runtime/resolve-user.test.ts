import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isBerthError } from "../oci/index.js";
import { resolveUser, type ResolvedUser } from "./resolve-user.js";

const PASSWD = [
  "root:x:0:0:root:/root:/bin/sh",
  "# a comment",
  "broken line",
  "weird:x:notanumber:0::/:/bin/sh",
  "www:x:33:33:www:/var/www:/bin/sh",
  "nohome:x:44:44::::",
].join("\n");
const GROUP = ["root:x:0:", "www:x:33:", "adm:x:4:www,nohome", "staff:x:50: www ", "dup:x:4:www"].join("\n");

interface UserCase {
  readonly spec: string;
  readonly want?: ResolvedUser;
  readonly expectErr?: RegExp;
  readonly passwd?: string;
  readonly group?: string;
}

const cases: readonly UserCase[] = [
  { spec: "", want: { uid: 0, gid: 0, additionalGids: [0], home: "/root" } },
  { spec: "www", want: { uid: 33, gid: 33, additionalGids: [33, 4, 50], home: "/var/www" } },
  { spec: "33", want: { uid: 33, gid: 33, additionalGids: [33, 4, 50], home: "/var/www" } },
  { spec: "www:root", want: { uid: 33, gid: 0, additionalGids: [0, 4, 50], home: "/var/www" } },
  { spec: "www:4", want: { uid: 33, gid: 4, additionalGids: [4, 50], home: "/var/www" } },
  { spec: "1000:1000", want: { uid: 1000, gid: 1000, additionalGids: [1000], home: "/" } },
  { spec: "1000", want: { uid: 1000, gid: 0, additionalGids: [0], home: "/" } },
  { spec: "nohome", want: { uid: 44, gid: 44, additionalGids: [44, 4], home: "/" } },
  { spec: "1000:1000", passwd: "", group: "", want: { uid: 1000, gid: 1000, additionalGids: [1000], home: "/" } },
  { spec: "www", passwd: "", expectErr: /^-u www: no user "www" in the image's \/etc\/passwd/ },
  { spec: "weird", expectErr: /no user "weird"/ },
  { spec: "www:nogroup", expectErr: /^-u www:nogroup: no group "nogroup"/ },
  { spec: "99999999999", expectErr: /uid 99999999999 is out of range/ },
  { spec: "1:99999999999", expectErr: /gid 99999999999 is out of range/ },
  { spec: "a:b:c", expectErr: /expected USER\[:GROUP\]/ },
];

describe("resolveUser", () => {
  for (const c of cases) {
    it(JSON.stringify(c.spec), () => {
      const run = (): ResolvedUser => resolveUser(c.spec, "-u", c.passwd ?? PASSWD, c.group ?? GROUP);
      if (c.expectErr) assert.throws(run, (e: unknown) => isBerthError(e, "INVALID_ARGUMENT") && c.expectErr!.test(e.message));
      else assert.deepEqual(run(), c.want);
    });
  }
});
