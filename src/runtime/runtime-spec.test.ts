import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ContainerConfig } from "../oci/index.js";
import { isBerthError } from "../oci/index.js";
import type { ContainerOptions } from "./container-options.js";
import { DEFAULT_CAPABILITIES, MASKED_PATHS, READONLY_PATHS } from "./default-security.js";
import { buildRuntimeSpec, type RuntimeSpecInput } from "./runtime-spec.js";
import type { RuntimeSpec } from "./spec-types.js";

const ID = "0123456789ab".padEnd(64, "c");
const PASSWD = "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1001:app:/home/app:/bin/sh\n";
const GROUP = "root:x:0:\napp:x:1001:\nwheel:x:10:app,other\naudio:x:29:app\n";

interface SpecCase {
  readonly name: string;
  readonly image?: ContainerConfig;
  readonly options?: ContainerOptions;
  readonly input?: Partial<RuntimeSpecInput>;
  readonly check?: (s: RuntimeSpec) => void;
  readonly expectErr?: RegExp;
}

const build = (c: SpecCase): RuntimeSpec => buildRuntimeSpec({
  id: ID, image: c.image ?? { Cmd: ["/bin/sh"] }, options: c.options ?? {}, passwd: PASSWD, group: GROUP,
  nofileHardLimit: 20_000, hostHostname: "hosty", ...c.input,
});

const cases: readonly SpecCase[] = [
  { name: "Entrypoint then Cmd", image: { Entrypoint: ["/ep", "-x"], Cmd: ["a", "b"] }, check: (s) => assert.deepEqual(s.process.args, ["/ep", "-x", "a", "b"]) },
  { name: "CMD args replace Cmd, keep Entrypoint", image: { Entrypoint: ["/ep"], Cmd: ["a"] }, options: { cmd: ["z"] }, check: (s) => assert.deepEqual(s.process.args, ["/ep", "z"]) },
  { name: "--entrypoint drops the image's Cmd", image: { Entrypoint: ["/ep"], Cmd: ["a"] }, options: { entrypoint: ["/bin/true"] }, check: (s) => assert.deepEqual(s.process.args, ["/bin/true"]) },
  { name: "--entrypoint with CMD args", image: { Cmd: ["a"] }, options: { entrypoint: ["/bin/echo"], cmd: ["x"] }, check: (s) => assert.deepEqual(s.process.args, ["/bin/echo", "x"]) },
  { name: "--entrypoint \"\" with args", image: { Entrypoint: ["/ep"] }, options: { entrypoint: [], cmd: ["/bin/ls"] }, check: (s) => assert.deepEqual(s.process.args, ["/bin/ls"]) },
  { name: "no command at all", image: {}, expectErr: /no command specified/ },
  { name: "empty command", image: { Cmd: [""] }, expectErr: /no command specified/ },
  { name: "--entrypoint \"\" and no args", image: { Cmd: ["a"] }, options: { entrypoint: [] }, expectErr: /no command specified/ },
  {
    name: "env: PATH default, HOSTNAME, image, -e wins in place, HOME from passwd",
    image: { Cmd: ["x"], Env: ["A=1", "B=2"] }, options: { env: ["A=9", "C=3"] },
    check: (s) => assert.deepEqual(s.process.env, ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOSTNAME=0123456789ab", "A=9", "B=2", "C=3", "HOME=/root"]),
  },
  { name: "image PATH replaces the default", image: { Cmd: ["x"], Env: ["PATH=/opt"] }, check: (s) => assert.equal(s.process.env[0], "PATH=/opt") },
  { name: "HOME given is kept", options: { env: ["HOME=/h"] }, check: (s) => assert.deepEqual(s.process.env.filter((e) => e.startsWith("HOME=")), ["HOME=/h"]) },
  { name: "cwd from WorkingDir", image: { Cmd: ["x"], WorkingDir: "/srv" }, check: (s) => assert.equal(s.process.cwd, "/srv") },
  { name: "-w wins", image: { Cmd: ["x"], WorkingDir: "/srv" }, options: { workdir: "/tmp" }, check: (s) => assert.equal(s.process.cwd, "/tmp") },
  { name: "cwd defaults to /", check: (s) => assert.equal(s.process.cwd, "/") },
  { name: "relative -w", options: { workdir: "tmp" }, expectErr: /^-w tmp: must be an absolute path/ },
  { name: "relative WorkingDir", image: { Cmd: ["x"], WorkingDir: "srv" }, expectErr: /^image WorkingDir srv/ },
  { name: "numeric user", options: { user: "1000:1000" }, check: (s) => assert.deepEqual(s.process.user, { uid: 1000, gid: 1000, additionalGids: [1000, 10, 29] }) },
  { name: "user name gives group and home", options: { user: "app" }, check: (s) => {
    assert.deepEqual(s.process.user, { uid: 1000, gid: 1001, additionalGids: [1001, 10, 29] });
    assert.ok(s.process.env.includes("HOME=/home/app"));
  } },
  { name: "image User", image: { Cmd: ["x"], User: "app:wheel" }, check: (s) => assert.deepEqual(s.process.user, { uid: 1000, gid: 10, additionalGids: [10, 29] }) },
  { name: "unknown user name", options: { user: "nobody" }, expectErr: /^-u nobody: no user "nobody"/ },
  { name: "unknown image user", image: { Cmd: ["x"], User: "ghost" }, expectErr: /^image User ghost/ },
  { name: "root by default", check: (s) => assert.deepEqual(s.process.user, { uid: 0, gid: 0, additionalGids: [0] }) },
  { name: "hostname is the short id", check: (s) => assert.equal(s.hostname, "0123456789ab") },
  { name: "--hostname", options: { hostname: "web-1" }, check: (s) => assert.equal(s.hostname, "web-1") },
  { name: "bad --hostname", options: { hostname: "-x;rm" }, expectErr: /^--hostname -x;rm: not a valid hostname/ },
  { name: "host network: host's hostname and no network namespace", options: { network: "host" }, check: (s) => {
    assert.equal(s.hostname, "hosty");
    assert.ok(!s.linux.namespaces.some((n) => n.type === "network"));
  } },
  { name: "namespaces for none", options: { network: "none" }, check: (s) => assert.deepEqual(s.linux.namespaces.map((n) => n.type).sort(), ["cgroup", "ipc", "mount", "network", "pid", "uts"]) },
  { name: "docker's capabilities", check: (s) => {
    assert.deepEqual(s.process.capabilities.effective, DEFAULT_CAPABILITIES);
    assert.deepEqual(s.process.capabilities.bounding, DEFAULT_CAPABILITIES);
  } },
  { name: "--cap-drop ALL --cap-add CHOWN", options: { capDrop: ["ALL"], capAdd: ["CAP_CHOWN"] }, check: (s) => assert.deepEqual(s.process.capabilities.permitted, ["CAP_CHOWN"]) },
  { name: "--cap-add NET_ADMIN --cap-drop KILL", options: { capAdd: ["CAP_NET_ADMIN"], capDrop: ["CAP_KILL"] }, check: (s) => {
    assert.ok(s.process.capabilities.effective.includes("CAP_NET_ADMIN"));
    assert.ok(!s.process.capabilities.effective.includes("CAP_KILL"));
  } },
  { name: "masked and read-only paths", check: (s) => {
    assert.deepEqual(s.linux.maskedPaths, MASKED_PATHS);
    assert.deepEqual(s.linux.readonlyPaths, READONLY_PATHS);
  } },
  { name: "terminal off, rootfs writable", check: (s) => {
    assert.equal(s.process.terminal, false);
    assert.deepEqual(s.root, { path: "rootfs", readonly: false });
  } },
  { name: "--read-only", options: { readOnly: true }, check: (s) => assert.equal(s.root.readonly, true) },
  { name: "--read-only binds /etc/hostname, hosts and resolv.conf read-only too (docker's)", input: { etcFiles: { hostname: "/c/hostname", hosts: "/c/hosts", resolvConf: "/c/resolv.conf" } }, options: { readOnly: true }, check: (s) => {
    for (const d of ["/etc/hostname", "/etc/hosts", "/etc/resolv.conf"]) {
      const m = s.mounts.find((x) => x.destination === d);
      assert.ok(m?.options.includes("ro") && !m.options.includes("rw"), `${d}: ${JSON.stringify(m)}`);
    }
  } },
  { name: "/etc files writable without --read-only", input: { etcFiles: { hostname: "/c/hostname", hosts: "/c/hosts", resolvConf: "/c/resolv.conf" } }, check: (s) => {
    assert.ok(s.mounts.find((x) => x.destination === "/etc/hosts")!.options.includes("rw"));
  } },
  { name: "default mounts", check: (s) => assert.deepEqual(s.mounts.map((m) => m.destination), ["/proc", "/dev", "/dev/pts", "/sys", "/sys/fs/cgroup", "/dev/mqueue", "/dev/shm"]) },
  { name: "/sys is read-only", check: (s) => assert.ok(s.mounts.find((m) => m.destination === "/sys")!.options.includes("ro")) },
  { name: "binds and tmpfs", options: { binds: [{ source: "/srv", destination: "/data", readOnly: true }], tmpfs: [{ destination: "/run", options: ["size=1m"] }] }, check: (s) => {
    assert.deepEqual(s.mounts.find((m) => m.destination === "/data"), { destination: "/data", type: "bind", source: "/srv", options: ["rbind", "rprivate", "ro"] });
    assert.deepEqual(s.mounts.find((m) => m.destination === "/run")?.options, ["nosuid", "nodev", "noexec", "size=1m"]);
  } },
  { name: "--tmpfs /dev/shm replaces the default", options: { tmpfs: [{ destination: "/dev/shm", options: [] }] }, check: (s) => assert.equal(s.mounts.filter((m) => m.destination === "/dev/shm").length, 1) },
  { name: "/etc files bound when given", input: { etcFiles: { hostname: "/c/hostname", hosts: "/c/hosts", resolvConf: "/c/resolv.conf" } }, check: (s) => {
    assert.deepEqual(s.mounts.filter((m) => m.destination.startsWith("/etc/")).map((m) => [m.destination, m.source]), [["/etc/hostname", "/c/hostname"], ["/etc/hosts", "/c/hosts"], ["/etc/resolv.conf", "/c/resolv.conf"]]);
  } },
  { name: "-v over /etc/hosts replaces berth's", input: { etcFiles: { hostname: "/c/hostname", hosts: "/c/hosts", resolvConf: "/c/resolv.conf" } }, options: { binds: [{ source: "/h", destination: "/etc/hosts", readOnly: true }] }, check: (s) => {
    assert.deepEqual(s.mounts.filter((m) => m.destination === "/etc/hosts").map((m) => m.source), ["/h"]);
  } },
  { name: "one destination mounted twice", options: { binds: [{ source: "/a", destination: "/d", readOnly: false }], tmpfs: [{ destination: "/d", options: [] }] }, expectErr: /^\/d: mounted twice/ },
  { name: "NOFILE capped at the host's hard limit", check: (s) => assert.deepEqual(s.process.rlimits, [{ type: "RLIMIT_NOFILE", soft: 20_000, hard: 20_000 }]) },
  { name: "NOFILE soft at most 1048576", input: { nofileHardLimit: 4_000_000 }, check: (s) => assert.deepEqual(s.process.rlimits[0], { type: "RLIMIT_NOFILE", soft: 1_048_576, hard: 4_000_000 }) },
  { name: "no-new-privileges", options: { noNewPrivileges: true }, check: (s) => assert.equal(s.process.noNewPrivileges, true) },
  { name: "resources", options: { memory: 64 * 1024 * 1024, cpus: 0.5, pidsLimit: 20 }, check: (s) => {
    assert.deepEqual(s.linux.resources.memory, { limit: 67_108_864, swap: 134_217_728 }, "docker: swap defaults to twice the memory");
    assert.deepEqual(s.linux.resources.cpu, { quota: 50_000, period: 100_000 });
    assert.deepEqual(s.linux.resources.pids, { limit: 20 });
  } },
  { name: "no limits unless asked", check: (s) => assert.deepEqual(s.linux.resources, { devices: [{ allow: false, access: "rwm" }] }) },
  { name: "no seccomp unless a profile is given", check: (s) => assert.equal(s.linux.seccomp, undefined) },
  {
    name: "seccomp rules follow the container's capabilities",
    input: { seccomp: { profile: { defaultAction: "SCMP_ACT_ERRNO", syscalls: [{ names: ["chroot"], action: "SCMP_ACT_ALLOW", includes: { caps: ["CAP_SYS_CHROOT"] } }] }, source: "p.json", arch: "x64" } },
    options: { capDrop: ["CAP_SYS_CHROOT"] },
    check: (s) => assert.deepEqual(s.linux.seccomp, { defaultAction: "SCMP_ACT_ERRNO", architectures: [], syscalls: [] }),
  },
  { name: "cgroup path", input: { cgroupParent: "/p" }, check: (s) => assert.equal(s.linux.cgroupsPath, `/p/${ID}`) },
];

describe("buildRuntimeSpec", () => {
  for (const c of cases) {
    it(c.name, () => {
      if (c.expectErr) {
        assert.throws(() => build(c), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT") && c.expectErr!.test(e.message));
      } else {
        const spec = build(c);
        assert.equal(spec.ociVersion, "1.0.2");
        c.check?.(spec);
      }
    });
  }

  it("is a pure function of its input", () => {
    assert.deepEqual(build({ name: "a" }), build({ name: "b" }));
  });
});
