import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { isBerthError } from "../oci/index.js";
import { DEFAULT_CAPABILITIES } from "./default-security.js";
import { DEFAULT_SECCOMP_PROFILE, seccompForSpec, type SeccompContext } from "./seccomp-profile.js";

const PROFILE = {
  defaultAction: "SCMP_ACT_ERRNO",
  defaultErrnoRet: 38,
  archMap: [
    { architecture: "SCMP_ARCH_X86_64", subArchitectures: ["SCMP_ARCH_X86", "SCMP_ARCH_X32"] },
    { architecture: "SCMP_ARCH_AARCH64", subArchitectures: ["SCMP_ARCH_ARM"] },
  ],
  syscalls: [
    { names: ["read", "write"], action: "SCMP_ACT_ALLOW", comment: "", includes: {}, excludes: {} },
    { names: ["personality"], action: "SCMP_ACT_ALLOW", args: [{ index: 0, value: 8, valueTwo: 0, op: "SCMP_CMP_EQ" }] },
    { names: ["arch_prctl"], action: "SCMP_ACT_ALLOW", includes: { arches: ["amd64", "x32"] } },
    { names: ["cacheflush"], action: "SCMP_ACT_ALLOW", includes: { arches: ["arm64"] } },
    { names: ["chroot"], action: "SCMP_ACT_ALLOW", includes: { caps: ["CAP_SYS_CHROOT"] } },
    { names: ["chroot"], action: "SCMP_ACT_ERRNO", errnoRet: 1, excludes: { caps: ["CAP_SYS_CHROOT"] } },
    { names: ["bpf"], action: "SCMP_ACT_ALLOW", includes: { caps: ["CAP_SYS_ADMIN", "CAP_BPF"] } },
    { name: "old_style", action: "SCMP_ACT_ALLOW", excludes: { arches: ["arm64"] } },
  ],
};

const names = (s: ReturnType<typeof seccompForSpec>): string[] => s.syscalls.flatMap((c) => c.names.map((n) => `${n}:${c.action}`));
const x64: SeccompContext = { arch: "x64", capabilities: DEFAULT_CAPABILITIES };

describe("seccompForSpec", () => {
  it("keeps the host's architecture and its sub-architectures", () => {
    assert.deepEqual(seccompForSpec(PROFILE, "p", x64).architectures, ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]);
    assert.deepEqual(seccompForSpec(PROFILE, "p", { ...x64, arch: "arm64" }).architectures, ["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"]);
  });

  it("leaves x32 out when asked (berth's default profile), and only x32", () => {
    assert.deepEqual(seccompForSpec(PROFILE, "p", { ...x64, withoutX32: true }).architectures, ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"]);
    assert.deepEqual(seccompForSpec(PROFILE, "p", { ...x64, arch: "arm64", withoutX32: true }).architectures, ["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"]);
    assert.deepEqual(names(seccompForSpec(PROFILE, "p", { ...x64, withoutX32: true })), names(seccompForSpec(PROFILE, "p", x64)), "the same rules");
  });

  const cases: readonly { name: string; ctx: SeccompContext; has: string[]; hasNot: string[] }[] = [
    { name: "docker's capabilities on amd64", ctx: x64, has: ["read:SCMP_ACT_ALLOW", "arch_prctl:SCMP_ACT_ALLOW", "chroot:SCMP_ACT_ALLOW", "old_style:SCMP_ACT_ALLOW"], hasNot: ["cacheflush:SCMP_ACT_ALLOW", "chroot:SCMP_ACT_ERRNO", "bpf:SCMP_ACT_ALLOW"] },
    { name: "without SYS_CHROOT chroot is refused", ctx: { arch: "x64", capabilities: [] }, has: ["chroot:SCMP_ACT_ERRNO"], hasNot: ["chroot:SCMP_ACT_ALLOW"] },
    { name: "every included capability is needed", ctx: { arch: "x64", capabilities: ["CAP_SYS_ADMIN"] }, has: [], hasNot: ["bpf:SCMP_ACT_ALLOW"] },
    { name: "all included capabilities present", ctx: { arch: "x64", capabilities: ["CAP_SYS_ADMIN", "CAP_BPF"] }, has: ["bpf:SCMP_ACT_ALLOW"], hasNot: [] },
    { name: "arm64 rules on arm64 only", ctx: { arch: "arm64", capabilities: [] }, has: ["cacheflush:SCMP_ACT_ALLOW"], hasNot: ["arch_prctl:SCMP_ACT_ALLOW", "old_style:SCMP_ACT_ALLOW"] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = names(seccompForSpec(PROFILE, "p", c.ctx));
      for (const h of c.has) assert.ok(got.includes(h), `${h} missing from ${got.join(" ")}`);
      for (const h of c.hasNot) assert.ok(!got.includes(h), `${h} should not be there`);
    });
  }

  it("keeps errnoRet, args and the default action", () => {
    const s = seccompForSpec(PROFILE, "p", { arch: "x64", capabilities: [] });
    assert.equal(s.defaultAction, "SCMP_ACT_ERRNO");
    assert.equal(s.defaultErrnoRet, 38);
    assert.deepEqual(s.syscalls.find((c) => c.names[0] === "personality")?.args, [{ index: 0, value: 8, valueTwo: 0, op: "SCMP_CMP_EQ" }]);
    assert.equal(s.syscalls.find((c) => c.action === "SCMP_ACT_ERRNO")?.errnoRet, 1);
  });

  const hostile: readonly [string, unknown, RegExp][] = [
    ["not an object", [], /\(top\): not a JSON object/],
    ["no default action", { syscalls: [] }, /defaultAction: missing/],
    ["bad default action", { defaultAction: "ALLOW", syscalls: [] }, /defaultAction/],
    ["syscalls not an array", { defaultAction: "SCMP_ACT_ALLOW", syscalls: {} }, /syscalls: not an array/],
    ["a rule not an object", { defaultAction: "SCMP_ACT_ALLOW", syscalls: [1] }, /syscalls\[0\]: not an object/],
    ["no names", { defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ action: "SCMP_ACT_ALLOW" }] }, /syscalls\[0\]\.names/],
    ["a name with a shell in it", { defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["read;rm"], action: "SCMP_ACT_ALLOW" }] }, /syscalls\[0\]\.names/],
    ["bad action", { defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["read"], action: "yes" }] }, /syscalls\[0\]\.action/],
    ["arg index 6", { defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["read"], action: "SCMP_ACT_ALLOW", args: [{ index: 6, value: 0, op: "SCMP_CMP_EQ" }] }] }, /args\[0\]\.index/],
    ["an arg past 2^53", { defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["read"], action: "SCMP_ACT_ALLOW", args: [{ index: 0, value: 2 ** 64, op: "SCMP_CMP_EQ" }] }] }, /args\[0\]\.value/],
    ["bad op", { defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["read"], action: "SCMP_ACT_ALLOW", args: [{ index: 0, value: 0, op: "==" }] }] }, /args\[0\]\.op/],
  ];
  for (const [name, profile, message] of hostile) {
    it(`refuses ${name}`, () => {
      assert.throws(() => seccompForSpec(profile, "evil.json", x64), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT") && /^seccomp profile evil\.json: /.test(e.message) && message.test(e.message));
    });
  }

  it("reads Debian's containers-common profile when installed", (t) => {
    if (!existsSync(DEFAULT_SECCOMP_PROFILE)) {
      t.skip(`${DEFAULT_SECCOMP_PROFILE} not installed (apt-get install golang-github-containers-common)`);
      return;
    }
    const s = seccompForSpec(JSON.parse(readFileSync(DEFAULT_SECCOMP_PROFILE, "utf8")), DEFAULT_SECCOMP_PROFILE, x64);
    assert.equal(s.architectures[0], "SCMP_ARCH_X86_64");
    const allowed = new Set(s.syscalls.filter((c) => c.action === "SCMP_ACT_ALLOW" && !c.args).flatMap((c) => c.names));
    for (const n of ["read", "write", "execve", "clone"]) assert.ok(allowed.has(n), n);
    for (const n of ["init_module", "kexec_load", "open_by_handle_at"]) assert.ok(!allowed.has(n), n);
  });
});
