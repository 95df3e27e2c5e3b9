// exec into running containers, -it under a real terminal, and --init as pid 1.
import assert from "node:assert/strict";
import { closeSync, openSync } from "node:fs";
import { describe, it } from "node:test";
import { describeResult } from "../../../support/run.js";
import { RUN_CLI } from "../runtime-fixture.js";
import { IMAGE, useSession } from "./berth-session.js";
import { runInTerminal } from "./terminal.js";

// runc makes the outer terminal raw while the command starts (runc 1.1, foreground -t): a line printed
// before that gets the outer terminal's CR too (rarely, on a loaded machine), "\r\r\n".
const PTS = /\/dev\/pts\/\d+\r*\n/;

describe("exec, terminals and --init (runc, conmon)", () => {
  const session = useSession();

  it("exec: the command's exit code, 126 when it cannot run (not found too, as docker's exec); the container's env plus -e; -u; -w", async (t) => {
    const s = await session(t);
    if (!s) return;
    s.removeAfter(t, "host");
    await s.detached(["--name", "host", "--network", "none", "-e", "FROM_RUN=1", IMAGE, "/bin/busybox", "sleep", "120"]);
    const seven = await s.berth(["exec", "host", "/bin/sh", "-c", "echo out; echo err >&2; exit 7"]);
    assert.equal(seven.code, 7, describeResult(seven));
    assert.equal(seven.stdout, "out\n");
    assert.equal(seven.stderr, "err\n");
    const missing = await s.berth(["exec", "host", "/no/such/program"]);
    assert.equal(missing.code, 126, describeResult(missing));
    assert.match(missing.stderr, /hint: check the command and the image's PATH/, "the hint still tells a missing command");
    const notExec = await s.berth(["exec", "host", "/etc/passwd"]);
    assert.equal(notExec.code, 126, describeResult(notExec));
    const env = await s.berth(["exec", "-e", "FROM_EXEC=2", "-e", "FROM_RUN=overridden", "host", "/bin/sh", "-c", "env"]);
    assert.equal(env.code, 0, describeResult(env));
    for (const line of ["FROM_EXEC=2", "FROM_RUN=overridden", "PATH=/bin"]) assert.ok(env.stdout.split("\n").includes(line), `${line} not in:\n${env.stdout}`);
    const user = await s.ok(["exec", "-u", "1000:1000", "-w", "/tmp", "host", "/bin/sh", "-c", "id; pwd"]);
    assert.match(user, /^uid=1000 gid=1000\b.*\n\/tmp\n$/);
    const nobody = await s.ok(["exec", "-u", "nobody", "host", "/bin/sh", "-c", "id -u"]);
    assert.equal(nobody, "65534\n");
    assert.equal(await s.ok(["exec", "host", "/bin/sh", "-c", "echo $FROM_RUN"]), "1\n", "exec -e leaked into the next exec");
  });

  it("exec into a container that is not running fails with a message and touches nothing", async (t) => {
    const s = await session(t);
    if (!s) return;
    s.removeAfter(t, "ended");
    await s.ok(["run", "--name", "ended", "--network", "none", IMAGE, "/bin/sh", "-c", "exit 0"]);
    const r = await s.berth(["exec", "ended", "/bin/sh", "-c", "echo ran"]);
    assert.notEqual(r.code, 0, describeResult(r));
    assert.doesNotMatch(r.stdout, /ran/);
    assert.match(r.stderr, /not running/);
    assert.equal((await s.inspect("ended")).State.Status, "exited");
  });

  it("exec -it gets a terminal (tty is /dev/pts/N, stdin is a tty) and passes the exit code on", async (t) => {
    const s = await session(t, ["script"]);
    if (!s) return;
    s.removeAfter(t, "shell");
    await s.detached(["--name", "shell", "--network", "none", IMAGE, "/bin/busybox", "sleep", "120"]);
    const r = await runInTerminal([process.execPath, RUN_CLI, "--root", s.root, "exec", "-it", "shell", "/bin/sh", "-c", "tty; [ -t 0 ] && echo stdin-is-a-tty; exit 6"]);
    assert.equal(r.timedOut, false, r.output);
    assert.equal(r.code, 6, r.output);
    assert.match(r.output, PTS);
    assert.match(r.output, /stdin-is-a-tty/);
    const plain = await s.ok(["exec", "shell", "/bin/sh", "-c", "tty || true"]);
    assert.equal(plain, "not a tty\n");
  });

  it("exec -it of a command that is not there: 126 (docker's exec), runc's message told once (by berth)", async (t) => {
    const s = await session(t, ["script"]);
    if (!s) return;
    s.removeAfter(t, "no-cmd");
    await s.detached(["--name", "no-cmd", "--network", "none", IMAGE, "/bin/busybox", "sleep", "120"]);
    const r = await runInTerminal([process.execPath, RUN_CLI, "--root", s.root, "exec", "-it", "no-cmd", "/no/such/program"]);
    assert.equal(r.code, 126, r.output);
    assert.equal(r.output.match(/no such file or directory/g)?.length, 1, `told other than once:\n${r.output}`);
    assert.match(r.output, /berth: container [0-9a-f]{12}: exec failed: /);
  });

  it("run -it: an interactive shell on a terminal reads what is typed and exits with its code", async (t) => {
    const s = await session(t, ["script"]);
    if (!s) return;
    const r = await runInTerminal([process.execPath, RUN_CLI, "--root", s.root, "run", "-it", "--rm", "--network", "none", IMAGE, "/bin/sh"],
      { lines: ["tty; echo marker-$((6*7))", "exit 5"] });
    assert.equal(r.timedOut, false, r.output);
    assert.equal(r.code, 5, r.output);
    assert.match(r.output, PTS);
    assert.match(r.output, /marker-42/, "the shell did not run the typed line");
    await s.assertNoContainers();
  });

  it("run -t without any terminal: a clear error (125), no raw runc error, nothing left", async (t) => {
    const s = await session(t);
    if (!s) return;
    try {
      closeSync(openSync("/dev/tty", "r"));
      t.skip("this test process has a controlling terminal, which berth would use");
      return;
    } catch {
      // None: what CI machines have.
    }
    s.removeAfter(t, "tty-less");
    const r = await s.berth(["run", "--name", "tty-less", "-t", "--network", "none", IMAGE, "/bin/busybox", "echo", "x"]);
    assert.equal(r.code, 125, describeResult(r));
    assert.match(r.stderr, /-t: berth has no terminal/);
    assert.doesNotMatch(r.stderr, /\/dev\/tty|runc/);
    await s.assertNoContainers();
  });

  it("--init: pid 1 is docker-init (tini) with the command as its child; without it the command is pid 1", async (t) => {
    const s = await session(t);
    if (!s) return;
    const script = "tr '\\0' ' ' < /proc/1/cmdline; echo; echo $$";
    const init = await s.berth(["run", "--rm", "--network", "none", "--init", IMAGE, "/bin/sh", "-c", script]);
    assert.equal(init.code, 0, describeResult(init));
    const [cmdline, pid] = init.stdout.split("\n");
    assert.match(cmdline ?? "", /^\/sbin\/docker-init -- \/bin\/sh -c /);
    assert.notEqual(pid, "1");
    const plain = await s.ok(["run", "--rm", "--network", "none", IMAGE, "/bin/sh", "-c", script]);
    assert.match(plain, /^\/bin\/sh -c .*\n1\n$/);
    assert.equal((await s.inspect(await s.ok(["create", "--init", "--network", "none", IMAGE]).then((o) => o.trim()))).HostConfig.Init, true);
    await s.ok(["rm", ...(await s.containerDirs())]);
  });
});
