import assert from "node:assert/strict";
import { test } from "node:test";
import { mmdebstrapMirrors, type AptSourceLine } from "./debian-node-base.js";

// Example URIs only: the bench itself reads them from the machine's apt sources.
const KEY = "/usr/share/keyrings/debian-archive-keyring.gpg";
const src = (uri: string, suite: string, components: string[], signedBy?: string): AptSourceLine => ({ uri, suite, components, ...(signedBy ? { signedBy } : {}) });

const cases: { name: string; sources: AptSourceLine[]; want?: string[]; expectErr?: RegExp }[] = [
  {
    name: "one line per source, keyring kept, order kept",
    sources: [src("http://mirror.example/debian", "bookworm", ["main"], KEY), src("http://security.example/debian-security", "bookworm-security", ["main", "contrib"])],
    want: [`deb [signed-by=${KEY}] http://mirror.example/debian bookworm main`, "deb http://security.example/debian-security bookworm-security main contrib"],
  },
  { name: "a file: mirror is fine", sources: [src("file:/srv/mirror", "bookworm", ["main"])], want: ["deb file:/srv/mirror bookworm main"] },
  { name: "suite with a slash (old security layout)", sources: [src("http://s.example/", "bookworm/updates", ["main"])], want: ["deb http://s.example/ bookworm/updates main"] },
  { name: "no sources", sources: [], expectErr: /no apt source serves bookworm main/ },
  { name: "a space in the URI would split the line", sources: [src("http://a.example/x y", "bookworm", ["main"])], expectErr: /unusable URI "http:\/\/a.example\/x y"/ },
  { name: "a bracket in the URI would open options", sources: [src("http://a.example/]x", "bookworm", ["main"])], expectErr: /unusable URI/ },
  { name: "no scheme", sources: [src("a.example/debian", "bookworm", ["main"])], expectErr: /unusable URI "a.example\/debian"/ },
  { name: "an option smuggled in the suite", sources: [src("http://a.example/", "--aptopt=x", ["main"])], expectErr: /unusable suite "--aptopt=x"/ },
  { name: "a component with a space", sources: [src("http://a.example/", "bookworm", ["main extra"])], expectErr: /unusable components/ },
  { name: "no components", sources: [src("http://a.example/", "bookworm", [])], expectErr: /unusable no components/ },
  { name: "a relative keyring", sources: [src("http://a.example/", "bookworm", ["main"], "keys/k.gpg")], expectErr: /unusable Signed-By "keys\/k.gpg"/ },
  { name: "a keyring path closing the options", sources: [src("http://a.example/", "bookworm", ["main"], "/k.gpg] trusted=yes")], expectErr: /unusable Signed-By/ },
];

for (const c of cases) {
  test(`mmdebstrapMirrors: ${c.name}`, () => {
    if (c.expectErr) assert.throws(() => mmdebstrapMirrors(c.sources), c.expectErr);
    else assert.deepEqual(mmdebstrapMirrors(c.sources), c.want);
  });
}
