import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readClientCommandLine } from "./client-command-line.js";
import { RUN_FLAGS, type RunFlags } from "./commands/run-flags.js";
import { runSpec } from "./commands/run-spec.js";
import { readQuickCommandLine } from "./quick-command-line.js";

/** What commander makes of `argv` (the whole CLI's reading), in the quick reader's shape; undefined for help or a usage error. */
async function byCommander(argv: readonly string[]): Promise<unknown> {
  const line = await readClientCommandLine<RunFlags>(runSpec(), argv);
  if (line === undefined) return undefined;
  const [image, command] = line.args as [string, string[]];
  return { operands: [image, ...command], flags: line.flags, globals: line.globals };
}

const quick = (argv: readonly string[]): unknown => {
  const line = readQuickCommandLine<RunFlags>("run", RUN_FLAGS, argv);
  return line === undefined || line.operands.length === 0 ? undefined : { ...line, operands: [...line.operands] };
};

/** A small seeded generator (mulberry32): the same command lines at every run, so that a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VALUES = ["x", "a=b", "-x", "--rm", "--", "", "-", "1", "-1", "a b", "=", "--env=x", "-e"];
const JUNK = ["-h", "--help", "--nope", "-dq", "-dt", "-Z", "--rm=1", "--detach=yes", "-V", "--no-rm", "--debug", "--root"];

/** One generated `berth … run …` command line: global options, flags in every form, junk now and then, operands. */
function commandLine(next: () => number): string[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const argv: string[] = [];
  for (let n = Math.floor(next() * 3); n > 0; n--) argv.push(...pick([["--debug"], ["--root", pick(VALUES)], [`--root=${pick(VALUES)}`], [pick(JUNK)]]));
  argv.push("run");
  for (let n = Math.floor(next() * 6); n > 0; n--) {
    if (next() < 0.08) {
      argv.push(pick(JUNK));
      continue;
    }
    const spec = pick(RUN_FLAGS);
    const names = spec.flags.split(/ (?=[<[])/)[0]!.split(/[ ,]+/).filter((w) => w !== "");
    const name = pick(names);
    const takesValue = spec.flags.includes("<");
    if (!takesValue) argv.push(name);
    else if (name.startsWith("--")) argv.push(...(next() < 0.5 ? [name, pick(VALUES)] : [`${name}=${pick(VALUES)}`]));
    else argv.push(...(next() < 0.5 ? [name, pick(VALUES)] : [`${name}${pick(VALUES)}`]));
  }
  if (next() < 0.9) {
    if (next() < 0.15) argv.push("--");
    argv.push(pick(["busybox", "localhost/a:b", "-", "--x"]));
    for (let n = Math.floor(next() * 4); n > 0; n--) argv.push(pick([...VALUES, ...JUNK, "sh", "-c"]));
  }
  if (next() < 0.05) argv.pop();
  return argv;
}

describe("readQuickCommandLine (run's flags without commander)", () => {
  it("reads the usual forms as commander does", async () => {
    const lines = [
      ["run", "--rm", "--network", "none", "busybox", "true"],
      ["--root", "/r", "run", "--rm", "busybox"],
      ["--root=/r", "--debug", "run", "-d", "--name", "web", "-p", "8080:80", "-p", "127.0.0.1:53:53/udp", "nginx"],
      ["run", "-e", "A=1", "-eB=2", "--env=C=3", "--env-file", "f", "-v", "/a:/b:ro", "--mount", "type=tmpfs,dst=/t", "img", "sh", "-c", "echo $A"],
      ["run", "--memory", "512m", "--cpus", "0.5", "--pids-limit", "-1", "--restart", "on-failure:3", "--no-healthcheck", "img"],
      ["run", "--health-cmd", "true", "--health-interval=1s", "-u", "1:1", "-w", "/tmp", "--entrypoint", "", "img", "--rm", "-d"],
      ["run", "--name", "-x", "img"],
      ["run", "--", "img", "--rm"],
      ["run", "-", "arg"],
    ];
    for (const argv of lines) {
      const q = quick(argv);
      assert.notEqual(q, undefined, `quick reading declined ${JSON.stringify(argv)}`);
      assert.deepEqual(q, await byCommander(argv), JSON.stringify(argv));
    }
  });

  it("leaves help, usage errors and the forms it does not read to commander", () => {
    for (const argv of [
      ["run", "--help"], ["run", "-h", "img"], ["--help", "run", "img"], ["-v"], ["run"], ["run", "--rm"], ["run", "--name"],
      ["run", "-dt", "img"], ["run", "--nope", "img"], ["run", "--rm=1", "img"], ["images"], ["--root"], ["run", "-1", "img"], ["run", "--"],
    ]) {
      assert.equal(quick(argv), undefined, JSON.stringify(argv));
    }
  });

  it("never reads a generated command line otherwise than commander (2000 lines, seeded)", async () => {
    const next = random(20261129);
    let read = 0;
    for (let n = 0; n < 2000; n++) {
      const argv = commandLine(next);
      const q = quick(argv);
      if (q === undefined) continue;
      read++;
      assert.deepEqual(q, await byCommander(argv), `line ${n}: ${JSON.stringify(argv)}`);
    }
    // Most lines hold junk or a form left to commander; the rest must still be a good share.
    assert.ok(read > 300, `only ${read} of 2000 lines read quickly`);
  });
});
