// What `berth run` sends the daemon: the options its flags give, and nothing the daemon's API refuses
// or changes on the way (its schema is the boundary: a field it lacks would fail every such run).
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { test } from "node:test";
import { Command } from "commander";
import { parseRunRequest } from "../../api/index.js";
import { addContainerFlags, containerOptions, resolveRuntime, type ContainerFlags } from "./container-flags.js";

async function optionsOf(args: readonly string[]): Promise<Awaited<ReturnType<typeof containerOptions>>> {
  let got: Promise<Awaited<ReturnType<typeof containerOptions>>> | undefined;
  const cmd = addContainerFlags(new Command("run").argument("<image>").argument("[command...]"))
    .passThroughOptions()
    .exitOverride()
    .action((_image: string, command: string[], flags: ContainerFlags) => {
      got = containerOptions(command, flags);
    });
  await cmd.parseAsync([...args], { from: "user" });
  assert.ok(got, "the action did not run");
  return got;
}

test("every flag's option crosses the daemon's API unchanged", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "berth-run-wire-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const envFile = join(dir, "vars.env");
  await writeFile(envFile, "A=1\n");
  const opts = await optionsOf([
    "--rm", "--name", "web", "-e", "B=2", "--env-file", envFile, "-w", "/srv", "-u", "1000:1000", "--hostname", "h", "--read-only",
    "--tmpfs", "/run:size=1m", "-v", "/tmp:/data:ro", "-v", "named:/vol", "-v", "/anon", "--mount", "type=tmpfs,dst=/t",
    "--cap-add", "NET_ADMIN", "--cap-drop", "MKNOD", "--security-opt", "no-new-privileges", "--security-opt", "seccomp=unconfined",
    "--memory", "64m", "--memory-swap", "128m", "--cpus", "0.5", "--pids-limit", "20", "--network", "none",
    "-p", "127.0.0.1:8080:80/udp", "-P", "--label", "k=v", "--restart", "no", "--health-cmd", "true", "--health-interval", "2s",
    "--health-on-failure", "kill", "--init", "--runtime", "/usr/sbin/runc", "--pull", "always", "--entrypoint", "/bin/sh", "img", "-c", "echo hi",
  ]);
  const { onProgress: _p, ...plain } = opts;
  const wire = JSON.parse(JSON.stringify({ image: "img", options: plain, attached: { pid: 1, startTime: "42" } })) as unknown;
  const parsed = parseRunRequest(wire);
  assert.deepEqual(parsed, wire);
  assert.deepEqual(parsed.options.env, ["A=1", "B=2"]);
  assert.deepEqual(parsed.options.healthFlags, { cmd: "true", interval: "2s", onFailure: "kill" });
});

test("--health-* flags without --health-cmd reach the runtime as given: the image's HEALTHCHECK, not known here, gives the command", async () => {
  const opts = await optionsOf(["--health-interval", "5s", "--health-retries", "5", "--health-on-failure", "kill", "img"]);
  assert.deepEqual(opts.healthFlags, { interval: "5s", retries: "5", onFailure: "kill" });
  assert.equal(opts.health, undefined);
});

test("--health-* flags are checked before the image is known: --no-healthcheck with another, a bad duration", async () => {
  await assert.rejects(optionsOf(["--no-healthcheck", "--health-cmd", "true", "img"]), /--no-healthcheck conflicts with --health-\* options/);
  await assert.rejects(optionsOf(["--health-timeout", "5", "img"]), /--health-timeout 5: not a duration/);
});

test("--no-healthcheck reaches the runtime (it turns the image's HEALTHCHECK off)", async () => {
  const opts = await optionsOf(["--no-healthcheck", "img"]);
  assert.deepEqual(opts.healthFlags, { noHealthcheck: true });
  assert.equal(opts.health, undefined);
});

test("a relative seccomp profile is made absolute where berth runs", async () => {
  const opts = await optionsOf(["--security-opt", "seccomp=profiles/p.json", "img"]);
  assert.equal(opts.seccompProfile, join(process.cwd(), "profiles/p.json"));
  assert.equal((await optionsOf(["--security-opt", "seccomp=unconfined", "img"])).seccompProfile, "unconfined");
});

test("the daemon's API refuses what the CLI never sends, naming the field", () => {
  const base = { image: "img", options: {} };
  const cases: readonly [unknown, RegExp][] = [
    [{ ...base, options: { seccompProfile: "relative.json" } }, /run: options\.seccompProfile/],
    [{ ...base, options: { binds: [{ source: "tmp", destination: "/d", readOnly: false }] } }, /run: options\.binds\.0\.source/],
    [{ ...base, options: { privileged: true } }, /run: options: .*privileged/],
    [{ ...base, options: { mounts: [{ type: "nfs", target: "/x", origin: "" }] } }, /run: options\.mounts\.0/],
    [{ ...base, image: "" }, /run: image/],
    [{ ...base, attached: { pid: -1, startTime: "" } }, /run: attached\.pid/],
    [{ image: "img" }, /run: options/],
    [{ ...base, options: { publish: [{ hostIp: "", hostPort: 8010, hostPortEnd: 8000, containerPort: 80, protocol: "tcp", range: 1 }] } }, /run: options\.publish\.0\.hostPortEnd/],
    [{ ...base, options: { publish: [{ hostIp: "", hostPort: 8000, hostPortEnd: 8010, containerPort: 80, protocol: "tcp", range: 2 }] } }, /run: options\.publish\.0\.hostPortEnd/],
    [{ ...base, options: { publish: [{ hostIp: "", hostPort: 1, hostPortEnd: 65_535, containerPort: 80, protocol: "tcp", range: 1 }] } }, /run: options\.publish\.0\.hostPortEnd.*more than 1024/],
  ];
  for (const [body, message] of cases) assert.throws(() => parseRunRequest(body), message);
});

test("--runtime: a name is found in PATH (or the system's sbin and bin dirs), a path made absolute, anything else refused", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "berth-runtime-"));
  const saved = process.env.PATH;
  t.after(async () => {
    process.env.PATH = saved;
    await rm(dir, { recursive: true, force: true });
  });
  // A name of its own: lookups are remembered per process.
  const name = `oci-${basename(dir).replace(/[^a-z0-9]/gi, "")}`;
  await writeFile(join(dir, name), "#!/bin/sh\n", { mode: 0o755 });
  process.env.PATH = `relative/bin:${dir}`;
  assert.equal(resolveRuntime(name), join(dir, name));
  if (existsSync("/usr/sbin/runc")) assert.equal(resolveRuntime("runc"), "/usr/sbin/runc", "found in /usr/sbin though PATH lacks it");
  assert.equal(resolveRuntime("./bin/rt"), join(process.cwd(), "bin/rt"));
  assert.throws(() => resolveRuntime("no-such-oci-runtime"), /--runtime no-such-oci-runtime: not found in PATH or the system's sbin and bin dirs/);
  assert.throws(() => resolveRuntime(""), /--runtime: empty/);
});

test("--network-alias is for user networks only, as docker's: refused with the default bridge, host and none", async () => {
  for (const net of [[], ["--network", "bridge"], ["--network", "host"], ["--network", "none"]]) {
    await assert.rejects(optionsOf([...net, "--network-alias", "db", "img"]), /--network-alias: network-scoped aliases are only supported for user networks/, net.join(" "));
  }
  assert.deepEqual((await optionsOf(["--network", "backend", "--network-alias", "db", "img"])).networkAliases, ["db"]);
});

test("--network host drops -p and -P, as docker's (with its warning): the container has the host's ports, no mapping to show", async (t) => {
  const warned: string[] = [];
  t.mock.method(process.stderr, "write", (s: string): boolean => {
    warned.push(String(s));
    return true;
  });
  const opts = await optionsOf(["--network", "host", "-p", "8080:80", "-P", "img"]);
  t.mock.restoreAll();
  assert.deepEqual(opts.publish, []);
  assert.equal(opts.publishAll, undefined);
  assert.match(warned.join(""), /Published ports are discarded when using host network mode/);
  assert.deepEqual((await optionsOf(["--network", "host", "img"])).publish, []);
});

test("docker's spellings of no limit and of no label or profile: --cpus 0, --pids-limit 0, label=disable, apparmor=unconfined", async () => {
  const opts = await optionsOf(["--cpus", "0", "--pids-limit", "0", "--security-opt", "label=disable", "--security-opt", "apparmor=unconfined",
    "--security-opt", "no-new-privileges", "--security-opt", "no-new-privileges=false", "img"]);
  assert.equal(opts.cpus, undefined);
  assert.equal(opts.pidsLimit, -1);
  assert.equal(opts.noNewPrivileges, undefined, "the last no-new-privileges wins, as docker's");
  await assert.rejects(optionsOf(["--security-opt", "apparmor=docker-default", "img"]),
    (e: unknown) => /apparmor=docker-default/.test(String(e)) && /berth applies no SELinux labels or AppArmor profiles/.test(String((e as { hint?: unknown }).hint)));
  await assert.rejects(optionsOf(["--security-opt", "label=type:svirt_t", "img"]), /label=disable/);
});
