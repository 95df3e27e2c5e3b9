import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fullNames, identityNames, setEntryNames } from "./aardvark-entries.js";

const A = "a".repeat(64);
const B = "b".repeat(64);
// As netavark 1.4 writes it (seen on Debian 12): id, IPv4, empty IPv6, names, DNS servers.
const FILE = `10.89.3.1\n${A} 10.89.3.2  shop-web-1,web,${A.slice(0, 12)} 127.0.0.1\n${B} 10.89.3.3  shop-web-2,web,${B.slice(0, 12)}\n`;
const attachment = { name: "shop-web-1", ipv4: "10.89.3.2", interface: "eth0", aliases: ["web", A.slice(0, 12)], ports: [], status: "connected" as const };

describe("aardvark-dns entries", () => {
  it("names: the full list is netavark's (name, then aliases); the identity keeps name and short id", () => {
    assert.deepEqual(fullNames(A, attachment), ["shop-web-1", "web", A.slice(0, 12)]);
    assert.deepEqual(identityNames(A, attachment), ["shop-web-1", A.slice(0, 12)]);
    const { name: _n, ...unnamed } = attachment;
    assert.deepEqual(identityNames(A, unnamed), [A.slice(0, 12)]);
  });

  const cases: { name: string; text: string; id: string; names: string[]; want: string; found: boolean }[] = [
    { name: "drops the aliases of one line, keeping addresses and DNS servers", text: FILE, id: A, names: ["shop-web-1", A.slice(0, 12)],
      want: FILE.replace(`shop-web-1,web,${A.slice(0, 12)} 127.0.0.1`, `shop-web-1,${A.slice(0, 12)} 127.0.0.1`), found: true },
    { name: "the same names again change nothing", text: FILE, id: B, names: ["shop-web-2", "web", B.slice(0, 12)], want: FILE, found: true },
    { name: "a container with no line is not found", text: FILE, id: "c".repeat(64), names: ["x"], want: FILE, found: false },
    { name: "the first line (the network's) is never taken for a container", text: `${A} 10.0.0.1\n`, id: A, names: ["x"], want: `${A} 10.0.0.1\n`, found: false },
    { name: "an id that is only a prefix of a line's id does not match", text: FILE, id: A.slice(0, 12), names: ["x"], want: FILE, found: false },
    { name: "a short (damaged) line is left alone", text: `10.0.0.1\n${A} 10.0.0.2\n`, id: A, names: ["x"], want: `10.0.0.1\n${A} 10.0.0.2\n`, found: false },
    { name: "an empty file", text: "", id: A, names: ["x"], want: "", found: false },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const edit = setEntryNames(c.text, c.id, c.names);
      assert.equal(edit.text, c.want);
      assert.equal(edit.found, c.found);
      assert.equal(edit.changed, c.want !== c.text);
    });
  }
});
