import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isBerthError } from "../../oci/index.js";
import { cidrContains, cidrsOverlap, formatCidr, formatIpv4, parseCidr, parseIpv4 } from "./ipv4.js";

describe("ipv4", () => {
  it("parses and formats dotted quads, refusing what is not one", () => {
    assert.equal(parseIpv4("10.89.0.1"), 0x0a590001);
    assert.equal(formatIpv4(0x0a590001), "10.89.0.1");
    assert.equal(formatIpv4(0xffffffff), "255.255.255.255");
    for (const bad of ["", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.-1", "a.b.c.d", " 1.2.3.4", "1.2.3.4/8", "::1", "1..2.3"]) {
      assert.equal(parseIpv4(bad), undefined, bad);
    }
  });

  const cases: readonly { text: string; want?: string; expectErr?: RegExp }[] = [
    { text: "10.89.5.0/24", want: "10.89.5.0/24" },
    { text: "10.0.0.0/8", want: "10.0.0.0/8" },
    { text: "0.0.0.0/0", want: "0.0.0.0/0" },
    { text: "192.168.1.4/30", want: "192.168.1.4/30" },
    { text: "10.89.5.1/24", expectErr: /host bits are set.*/ },
    { text: "10.89.5.0", expectErr: /not an IPv4 CIDR/ },
    { text: "10.89.5.0/33", expectErr: /not an IPv4 CIDR/ },
    { text: "10.89.5.0/", expectErr: /not an IPv4 CIDR/ },
    { text: "fd00::/64", expectErr: /not an IPv4 CIDR/ },
    { text: "10.89.5.0/24/1", expectErr: /not an IPv4 CIDR/ },
  ];
  for (const c of cases) {
    it(`parseCidr ${c.text}`, () => {
      if (c.expectErr) {
        assert.throws(() => parseCidr(c.text, "--subnet"), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT") && c.expectErr!.test(e.message) && e.message.startsWith("--subnet"));
      } else {
        assert.equal(formatCidr(parseCidr(c.text, "--subnet")), c.want);
      }
    });
  }

  it("says which network address was meant when host bits are set", () => {
    assert.throws(() => parseCidr("10.89.5.7/24", "--subnet"), (e: unknown) => isBerthError(e) && /10\.89\.5\.0\/24/.test(e.hint ?? ""));
  });

  it("overlap and containment", () => {
    const a = parseCidr("10.88.0.0/16", "a");
    assert.ok(cidrsOverlap(a, parseCidr("10.88.7.0/24", "b")));
    assert.ok(cidrsOverlap(parseCidr("10.0.0.0/8", "b"), a));
    assert.ok(!cidrsOverlap(a, parseCidr("10.89.0.0/24", "b")));
    assert.ok(cidrContains(a, parseIpv4("10.88.255.255")!));
    assert.ok(!cidrContains(a, parseIpv4("10.89.0.0")!));
  });
});
