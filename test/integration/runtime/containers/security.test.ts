// docker's default confinement seen from inside: capabilities, seccomp, no-new-privileges, masked and read-only /proc.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findTool } from "../../../support/require-root.js";
import { describeResult, run, type RunResult } from "../../../support/run.js";
import { IMAGE, useSession, type BerthSession } from "./berth-session.js";

/** Calls userfaultfd(2) and says whether it was allowed. */
const PROBE = `#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(void) {
  long r = syscall(SYS_userfaultfd, 0);
  if (r < 0) { printf("userfaultfd: %s\\n", strerror(errno)); return 1; }
  printf("userfaultfd: ok\\n");
  return 0;
}
`;

/** docker's 14 default capabilities as a CapEff mask; see src/runtime/default-security.ts. */
const DEFAULT_CAPS = 0xa80425fbn;
const CAP_CHOWN = 0n;
const CAP_NET_RAW = 13n;
const CAP_SYS_ADMIN = 21n;

/** `run --rm --network none FLAGS… IMAGE /bin/sh -c SCRIPT`. */
const sh = (s: BerthSession, flags: readonly string[], script: string): Promise<RunResult> =>
  s.berth(["run", "--rm", "--network", "none", ...flags, IMAGE, "/bin/sh", "-c", script]);

/** CapEff from /proc/self/status inside a container made with `flags`. */
async function capEff(s: BerthSession, flags: readonly string[]): Promise<bigint> {
  const r = await sh(s, flags, "grep '^CapEff:' /proc/self/status");
  assert.equal(r.code, 0, describeResult(r));
  return BigInt(`0x${/CapEff:\s+([0-9a-f]+)/.exec(r.stdout)?.[1] ?? "x"}`);
}

describe("confinement inside the container (runc, conmon)", () => {
  const session = useSession();

  it("capabilities: docker's default set; --cap-drop removes one (and chown then fails), --cap-add adds, ALL drops all", async (t) => {
    const s = await session(t);
    if (!s) return;
    assert.equal((await capEff(s, [])).toString(16), DEFAULT_CAPS.toString(16));
    assert.equal((await capEff(s, ["--cap-drop", "NET_RAW"])).toString(16), (DEFAULT_CAPS & ~(1n << CAP_NET_RAW)).toString(16));
    assert.equal((await capEff(s, ["--cap-add", "SYS_ADMIN"])).toString(16), (DEFAULT_CAPS | (1n << CAP_SYS_ADMIN)).toString(16));
    assert.equal(await capEff(s, ["--cap-drop", "ALL"]), 0n);
    const chown = "touch /tmp/f && chown 1000:1000 /tmp/f && echo chowned";
    const allowed = await sh(s, [], chown);
    assert.equal(allowed.stdout, "chowned\n", describeResult(allowed));
    const denied = await sh(s, ["--cap-drop", "CHOWN"], chown);
    assert.notEqual(denied.code, 0, describeResult(denied));
    assert.match(denied.stderr, /Operation not permitted/);
    assert.equal(((await capEff(s, ["--cap-drop", "CHOWN"])) >> CAP_CHOWN) & 1n, 0n);
  });

  it("seccomp: the default filter refuses swapon (EPERM); unconfined with CAP_SYS_ADMIN reaches the kernel (EINVAL)", async (t) => {
    const s = await session(t);
    if (!s) return;
    const script = "grep '^Seccomp:' /proc/self/status; touch /tmp/swap; swapon /tmp/swap";
    const filtered = await sh(s, [], script);
    assert.notEqual(filtered.code, 0, describeResult(filtered));
    assert.match(filtered.stdout, /Seccomp:\s+2/);
    assert.match(filtered.stderr, /swapon: \/tmp\/swap: Operation not permitted/);
    const open = await sh(s, ["--security-opt", "seccomp=unconfined", "--cap-add", "SYS_ADMIN"], script);
    assert.match(open.stdout, /Seccomp:\s+0/, describeResult(open));
    assert.match(open.stderr, /swapon: \/tmp\/swap: Invalid argument/, "swapon did not reach the kernel");
  });

  it("seccomp: userfaultfd is refused by the default profile even with CAP_SYS_PTRACE, allowed unconfined", async (t) => {
    const s = await session(t);
    if (!s) return;
    // Both docker's default.json and containers-common's profile block userfaultfd whatever the capabilities;
    // with CAP_SYS_PTRACE the kernel itself allows it, so the difference is seccomp's alone. busybox has no
    // applet that calls it: a static probe is compiled here (g++ is on every CI machine).
    const cc = findTool("gcc") ?? findTool("g++");
    if (cc === undefined) {
      t.skip("needs gcc or g++ to compile the syscall probe");
      return;
    }
    const dir = await mkdtemp(join(tmpdir(), "berth-sc-"));
    t.after(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, "probe.c"), PROBE);
    const built = await run(cc, ["-static", "-O2", "-x", "c", "-o", join(dir, "probe"), join(dir, "probe.c")], { timeoutMs: 120_000 });
    if (built.code !== 0) {
      t.skip(`cannot link a static probe here (libc.a missing?): ${built.stderr.slice(0, 200)}`);
      return;
    }
    const probe = (flags: readonly string[]): Promise<RunResult> =>
      s.berth(["run", "--rm", "--network", "none", "-v", `${dir}:/probe:ro`, "--cap-add", "SYS_PTRACE", ...flags, IMAGE, "/probe/probe"]);
    const open = await probe(["--security-opt", "seccomp=unconfined"]);
    assert.equal(open.stdout, "userfaultfd: ok\n", `the kernel refuses userfaultfd here, so this test shows nothing: ${describeResult(open)}`);
    const filtered = await probe([]);
    assert.equal(filtered.code, 1, describeResult(filtered));
    assert.equal(filtered.stdout, "userfaultfd: Operation not permitted\n");
  });

  it("no-new-privileges sets NoNewPrivs; /proc/keys and /proc/timer_list are masked; /proc/sys is read-only", async (t) => {
    const s = await session(t);
    if (!s) return;
    const nnp = await sh(s, ["--security-opt", "no-new-privileges"], "grep '^NoNewPrivs:' /proc/self/status");
    assert.match(nnp.stdout, /NoNewPrivs:\s+1/, describeResult(nnp));
    const dflt = await sh(s, [], "grep '^NoNewPrivs:' /proc/self/status");
    assert.match(dflt.stdout, /NoNewPrivs:\s+0/, describeResult(dflt));
    // Writing back the value just read changes nothing on the host even if /proc/sys were writable.
    const proc = await sh(s, [], "cat /proc/keys /proc/timer_list | wc -c; v=$(cat /proc/sys/vm/overcommit_memory); echo $v > /proc/sys/vm/overcommit_memory && echo wrote");
    assert.equal(proc.stdout.trim(), "0", describeResult(proc));
    assert.match(proc.stderr, /Read-only file system/);
  });
});
