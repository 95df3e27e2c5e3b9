// Environment, bind mounts, named volumes and --read-only, through `berth run`.
import assert from "node:assert/strict";
import { chmod, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { describeResult } from "../../../support/run.js";
import { IMAGE, useSession } from "./berth-session.js";

describe("berth run: env, bind mounts, volumes, --read-only (runc, conmon)", () => {
  const session = useSession();

  it("env: the image's, --env-file (comments skipped), -e (later wins, NAME alone copied from berth's env, unset NAME left out)", async (t) => {
    const s = await session(t);
    if (!s) return;
    const envFile = join(s.fx.tmp.path, "vars.env");
    await writeFile(envFile, "# a comment\n\nA=from-file\nB=file\nQUOTED=\"kept as is\"\n");
    const r = await s.berth(["run", "--rm", "--network", "none", "--env-file", envFile, "-e", "A=from-flag", "-e", "SPACED=a b  c", "-e", "EQ=x=y",
      "-e", "FROM_HOST", "-e", "UNSET_ON_HOST", IMAGE, "/bin/sh", "-c", "env"], { env: { ...process.env, FROM_HOST: "host-value", UNSET_ON_HOST: undefined } });
    assert.equal(r.code, 0, describeResult(r));
    const env = r.stdout.split("\n");
    for (const line of ["PATH=/bin", "HOME=/root", "A=from-flag", "B=file", "QUOTED=\"kept as is\"", "SPACED=a b  c", "EQ=x=y", "FROM_HOST=host-value"]) {
      assert.ok(env.includes(line), `${line} missing from:\n${r.stdout}`);
    }
    assert.ok(!env.some((l) => l.startsWith("UNSET_ON_HOST")), r.stdout);
    assert.ok(!env.some((l) => l.startsWith("A=from-file")), r.stdout);
    assert.ok(!env.some((l) => l.startsWith("#")), r.stdout);
  });

  it("a bind mount: the host's file is read inside, what the container writes (as -u 1000) is on the host; :ro refuses writes", async (t) => {
    const s = await session(t);
    if (!s) return;
    const host = join(s.fx.tmp.path, "shared");
    await mkdir(host);
    await chmod(host, 0o777);
    await writeFile(join(host, "in.txt"), "from host\n");
    const rw = await s.berth(["run", "--rm", "--network", "none", "-u", "1000:1000", "-v", `${host}:/data`, IMAGE, "/bin/sh", "-c",
      "cat /data/in.txt && mkdir /data/sub && echo from container > /data/sub/out.txt"]);
    assert.equal(rw.code, 0, describeResult(rw));
    assert.equal(rw.stdout, "from host\n");
    assert.equal(await readFile(join(host, "sub", "out.txt"), "utf8"), "from container\n");
    const owner = await stat(join(host, "sub", "out.txt"));
    assert.deepEqual([owner.uid, owner.gid], [1000, 1000]);
    const ro = await s.berth(["run", "--rm", "--network", "none", "-v", `${host}:/data:ro`, IMAGE, "/bin/sh", "-c", "cat /data/sub/out.txt; echo x > /data/nope"]);
    assert.notEqual(ro.code, 0, describeResult(ro));
    assert.equal(ro.stdout, "from container\n");
    assert.match(ro.stderr, /Read-only file system/);
    await assert.rejects(stat(join(host, "nope")));
    await s.assertNoContainers();
  });

  it("a named volume outlives its container: the next one reads it, the host sees it, rm refuses while a container holds it", async (t) => {
    const s = await session(t);
    if (!s) return;
    const vol = await s.volume();
    s.removeAfter(t, "reader");
    const w = await s.berth(["run", "--rm", "--network", "none", "-v", `${vol}:/data`, IMAGE, "/bin/sh", "-c", "echo kept > /data/f"]);
    assert.equal(w.code, 0, describeResult(w));
    const reader = await s.berth(["run", "--name", "reader", "--network", "none", "--mount", `type=volume,src=${vol},dst=/mnt/v`, IMAGE, "/bin/sh", "-c", "cat /mnt/v/f"]);
    assert.equal(reader.code, 0, describeResult(reader));
    assert.equal(reader.stdout, "kept\n");
    const inspected: unknown = JSON.parse(await s.ok(["volume", "inspect", vol]));
    const mountpoint = (inspected as { Mountpoint: string }[])[0]?.Mountpoint ?? "";
    assert.equal(await readFile(join(mountpoint, "f"), "utf8"), "kept\n");
    const refused = await s.berth(["volume", "rm", vol]);
    assert.notEqual(refused.code, 0, describeResult(refused));
    assert.match(refused.stderr, /in use/);
    const mounts = (await s.inspect("reader")).Mounts;
    assert.ok(mounts.some((m) => m.Type === "volume" && m.Name === vol && m.Destination === "/mnt/v"), JSON.stringify(mounts));
    await s.ok(["rm", "reader"]);
    assert.equal(await s.ok(["volume", "rm", vol]), `${vol}\n`);
    await s.assertNoContainers();
  });

  it("volume rm -f and prune leave a volume a running or stopped container uses, as docker's; its next start finds the data", async (t) => {
    const s = await session(t);
    if (!s) return;
    const vol = await s.volume();
    s.removeAfter(t, "holder");
    const id = await s.detached(["--name", "holder", "--network", "none", "-v", `${vol}:/data`, IMAGE, "/bin/busybox", "sleep", "120"]);
    const mountpoint = (JSON.parse(await s.ok(["volume", "inspect", vol])) as { Mountpoint: string }[])[0]?.Mountpoint ?? "";
    await writeFile(join(mountpoint, "f"), "kept\n");
    const listed = async (): Promise<string[]> => (await s.ok(["volume", "ls", "-q"])).split("\n");
    for (const phase of ["running", "stopped"]) {
      const forced = await s.berth(["volume", "rm", "-f", vol]);
      assert.equal(forced.code, 1, `${phase}: ${describeResult(forced)}`);
      assert.match(forced.stderr, new RegExp(`^berth: volume ${vol} is in use by container ${id.slice(0, 12)}\n`), phase);
      assert.equal(forced.stdout, "", `${phase}: rm -f printed the name of a volume it kept`);
      assert.doesNotMatch(await s.ok(["volume", "prune", "-f"]), new RegExp(vol), `${phase}: prune removed it`);
      assert.ok((await listed()).includes(vol), `${phase}: the volume is gone`);
      assert.equal(await readFile(join(mountpoint, "f"), "utf8"), "kept\n", `${phase}: the data is gone`);
      if (phase === "running") await s.ok(["stop", "-t", "0", "holder"]);
    }
    await s.ok(["start", "holder"]);
    assert.equal(await s.ok(["exec", "holder", "/bin/busybox", "cat", "/data/f"]), "kept\n");
    await s.ok(["rm", "-f", "holder"]);
    assert.equal(await s.ok(["volume", "rm", "-f", vol]), `${vol}\n`);
    assert.ok(!(await listed()).includes(vol));
    await s.assertNoContainers();
  });

  it("--read-only refuses writes to / and /tmp; --tmpfs and volumes stay writable", async (t) => {
    const s = await session(t);
    if (!s) return;
    const root = await s.berth(["run", "--rm", "--network", "none", "--read-only", IMAGE, "/bin/sh", "-c", "touch /x"]);
    assert.notEqual(root.code, 0, describeResult(root));
    assert.match(root.stderr, /Read-only file system/);
    const tmp = await s.berth(["run", "--rm", "--network", "none", "--read-only", IMAGE, "/bin/sh", "-c", "echo x > /tmp/x"]);
    assert.notEqual(tmp.code, 0, describeResult(tmp));
    // The /etc files berth binds in are read-only too, as docker's (and writable without --read-only).
    for (const f of ["/etc/hosts", "/etc/hostname", "/etc/resolv.conf"]) {
      const etc = await s.berth(["run", "--rm", "--network", "none", "--read-only", IMAGE, "/bin/sh", "-c", `echo x >> ${f}`]);
      assert.notEqual(etc.code, 0, `${f} is writable under --read-only: ${describeResult(etc)}`);
      assert.match(etc.stderr, /Read-only file system/);
    }
    const etcRw = await s.berth(["run", "--rm", "--network", "none", IMAGE, "/bin/sh", "-c", "echo x >> /etc/hosts"]);
    assert.equal(etcRw.code, 0, describeResult(etcRw));
    const vol = await s.volume();
    const allowed = await s.berth(["run", "--rm", "--network", "none", "--read-only", "--tmpfs", "/tmp", "-v", `${vol}:/data`, IMAGE, "/bin/sh", "-c",
      "echo a > /tmp/a && echo b > /data/b && cat /tmp/a /data/b && grep ' / ' /proc/mounts"]);
    assert.equal(allowed.code, 0, describeResult(allowed));
    assert.match(allowed.stdout, /^a\nb\n.* \/ overlay ro[,\s]/);
    await s.assertNoContainers();
  });
});
