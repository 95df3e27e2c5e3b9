import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { resolveDependencies, type ResolveOptions } from "./dependency-resolver.js";
import { PackagesIndex, parseRelations } from "./packages-index.js";

const SHA = "0".repeat(64);
function stanza(name: string, version: string, extra = ""): string {
  return `Package: ${name}\nVersion: ${version}\nArchitecture: amd64\n${extra}Filename: pool/${name}_${version}.deb\nSize: 1\nSHA256: ${SHA}\n`;
}

// A small archive: libc6 in two versions (an update in a second index),
// a virtual package with two providers, essential tooling, constraints.
const MAIN = [
  stanza("libc6", "2.36-9", "Priority: optional\nDepends: libgcc-s1\n"),
  stanza("libgcc-s1", "12.2.0-14", "Depends: gcc-12-base (= 12.2.0-14), libc6 (>= 2.35)\n"),
  stanza("gcc-12-base", "12.2.0-14"),
  stanza("app", "1.0", "Pre-Depends: libc6 (>= 2.36)\nDepends: mailer | mta, debconf (>= 0.5) | debconf-2.0, awk\nRecommends: docs\n"),
  stanza("exim", "4.96", "Provides: mta, mail-transport-agent\nDepends: libc6\n"),
  stanza("postfix", "3.7", "Provides: mta\n"),
  stanza("debconf", "1.5.82", "Priority: required\nProvides: debconf-2.0\nPre-Depends: perl-base\n"),
  stanza("perl-base", "5.36", "Essential: yes\nPriority: required\n"),
  stanza("gawk", "5.2", "Provides: awk\nDepends: libc6\n"),
  stanza("mawk", "1.3.4", "Priority: required\nProvides: awk\n"),
  stanza("docs", "1"),
  stanza("old", "1", "Depends: libc6 (<< 2.0)\n"),
  stanza("pinned", "1", "Depends: gcc-12-base (= 9)\n"),
  stanza("versioned-virtual", "1", "Depends: libgcc1 (>= 1:12)\n"),
  stanza("libgcc-compat", "12", "Provides: libgcc1 (= 1:12.2.0)\n"),
  stanza("cycle-a", "1", "Depends: cycle-b\n"),
  stanza("cycle-b", "1", "Depends: cycle-a\n"),
  stanza("node", "18", "Depends: libnode (= 18), nodejs-abi:any\n"),
  stanza("libnode", "18"),
  stanza("libnode", "17"),
  stanza("nodejs-abi", "1"),
].join("\n");
const UPDATES = stanza("libc6", "2.36-9+deb12u4", "Priority: optional\nDepends: libgcc-s1\n");

function index(): PackagesIndex {
  const i = new PackagesIndex();
  i.addText(MAIN, "http://mirror.invalid/debian", "main/Packages");
  i.addText(UPDATES, "http://mirror.invalid/debian-security", "security/Packages");
  return i;
}

const cases: { name: string; ask: string[]; opts?: ResolveOptions; want?: string[]; expectErr?: RegExp }[] = [
  { name: "libc6 pulls its closure, newest libc6 from the update", ask: ["libc6"], want: ["gcc-12-base=12.2.0-14", "libc6=2.36-9+deb12u4", "libgcc-s1=12.2.0-14"] },
  {
    name: "alternatives take the first satisfiable (mailer is unknown → mta → exim); required/essential left out; Recommends ignored",
    ask: ["app"],
    want: ["app=1.0", "exim=4.96", "gcc-12-base=12.2.0-14", "libc6=2.36-9+deb12u4", "libgcc-s1=12.2.0-14"],
  },
  {
    name: "debian_slim mode pulls required tooling too",
    ask: ["app"], opts: { includeRequired: true },
    want: ["app=1.0", "debconf=1.5.82", "exim=4.96", "gcc-12-base=12.2.0-14", "libc6=2.36-9+deb12u4", "libgcc-s1=12.2.0-14", "mawk=1.3.4", "perl-base=5.36"],
  },
  { name: "a provider already chosen satisfies the virtual package", ask: ["postfix", "app"], want: ["app=1.0", "gcc-12-base=12.2.0-14", "libc6=2.36-9+deb12u4", "libgcc-s1=12.2.0-14", "postfix=3.7"] },
  { name: "exclude drops a dependency", ask: ["app"], opts: { exclude: ["libc6", "mta"] }, want: ["app=1.0"] },
  { name: "asked-for required packages are installed", ask: ["perl-base"], want: ["perl-base=5.36"] },
  { name: "versioned provides satisfies a versioned dependency", ask: ["versioned-virtual"], want: ["libgcc-compat=12", "versioned-virtual=1"] },
  { name: "cycles terminate", ask: ["cycle-a"], want: ["cycle-a=1", "cycle-b=1"] },
  { name: "exact version picks the older candidate; :any is dropped", ask: ["node"], want: ["libnode=18", "node=18", "nodejs-abi=1"] },
  { name: "unknown package", ask: ["nope"], expectErr: /cannot satisfy "nope"/ },
  { name: "constraint nobody meets names the chain", ask: ["old"], expectErr: /cannot satisfy "libc6 \(<< 2\.0\)" \(needed by old\)/ },
  { name: "exact version that does not exist", ask: ["pinned"], expectErr: /"gcc-12-base \(= 9\)" \(needed by pinned\)/ },
  { name: "constraint on a package already chosen at another version", ask: ["gcc-12-base", "pinned"], expectErr: /gcc-12-base \(= 9\).*already chosen/ },
];

describe("resolveDependencies", () => {
  for (const c of cases) {
    it(c.name, () => {
      if (c.expectErr) {
        assert.throws(() => resolveDependencies(index(), c.ask, c.opts), c.expectErr);
        return;
      }
      assert.deepEqual(resolveDependencies(index(), c.ask, c.opts).map((r) => `${r.name}=${r.version}`), c.want);
    });
  }
});

describe("parseRelations", () => {
  it("parses groups, relations, qualifiers and restrictions", () => {
    assert.deepEqual(parseRelations("a (>= 1:2.0), b | c:any (<< 3) [amd64], d (> 1)", "t"), [
      [{ name: "a", relation: ">=", version: "1:2.0" }],
      [{ name: "b" }, { name: "c", relation: "<<", version: "3" }],
      [{ name: "d", relation: ">=", version: "1" }],
    ]);
  });
  it("rejects a malformed relation naming it", () => {
    assert.throws(() => parseRelations("a (>= )", "x/Packages (p)"), /x\/Packages \(p\): bad relation "a \(>= \)"/);
  });
  it("rejects a stanza without SHA256 naming the package", () => {
    assert.throws(() => new PackagesIndex().addText("Package: p\nVersion: 1\nArchitecture: all\nFilename: f\nSize: 1\n", "u", "P"), /P: package p has no SHA256 field/);
  });
});
