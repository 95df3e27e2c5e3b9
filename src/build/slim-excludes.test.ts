import { it } from "node:test";
import assert from "node:assert/strict";
import { isSlimExcluded } from "./slim-excludes.js";

it("drops manuals, docs and translations but keeps copyright files", () => {
  const cases: [string, boolean][] = [
    ["./usr/share/doc/libc6/changelog.Debian.gz", true],
    ["./usr/share/doc/libc6/copyright", false],
    ["./usr/share/doc/libc6/", false],
    ["./usr/share/doc/", false],
    ["./usr/share/man/man1/ls.1.gz", true],
    ["./usr/share/locale/de/LC_MESSAGES/dpkg.mo", true],
    ["./usr/share/info/dir", true],
    ["./usr/share/zoneinfo/Europe/Paris", false],
    ["./usr/share/ca-certificates/mozilla/A.crt", false],
    ["./usr/share/docs-not-doc/x", false],
    ["./usr/bin/man", false],
  ];
  for (const [p, want] of cases) assert.equal(isSlimExcluded(p), want, p);
});
