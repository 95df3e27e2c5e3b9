import assert from "node:assert/strict";
import { appendFile, mkdir, mkdtemp, rename, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, describe, it } from "node:test";
import { isBerthError } from "../../oci/index.js";
import { LogFileNotFoundError } from "./errors.js";
import { readContainerLogs, type ContainerLogsOptions } from "./read-container-logs.js";

/** A conmon entry at second `s` after 2024-05-01T10:00:00+02:00. */
const at = (s: number): string => `2024-05-01T10:00:${String(s).padStart(2, "0")}.000000001+02:00`;
const entry = (s: number, stream: "stdout" | "stderr", tag: "P" | "F", text: string): string => `${at(s)} ${stream} ${tag} ${text}\n`;
const utc = (s: number): Date => new Date(Date.UTC(2024, 4, 1, 8, 0, s));

interface Sink {
  readonly out: { stdout: Writable; stderr: Writable };
  stdout(): string;
  stderr(): string;
}

function sink(): Sink {
  const text = { stdout: "", stderr: "" };
  const make = (k: "stdout" | "stderr"): Writable => new Writable({
    write(chunk: Buffer, _enc, cb) {
      text[k] += chunk.toString();
      cb();
    },
  });
  return { out: { stdout: make("stdout"), stderr: make("stderr") }, stdout: () => text.stdout, stderr: () => text.stderr };
}

/** Poll `check` every 10 ms for at most `ms`; fail with `what` when it never holds. */
async function waitFor(check: () => boolean, what: string, ms = 5000): Promise<void> {
  for (const end = Date.now() + ms; !check(); await sleep(10)) if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
}

const MIXED = [
  entry(1, "stdout", "F", "one"),
  "garbage that is no entry\n",
  entry(2, "stderr", "P", "err-a"),
  entry(3, "stdout", "P", "two-a"),
  entry(4, "stderr", "F", "err-b"),
  "2024-05-01T10:00:05Z stdin F not a stream\n",
  entry(5, "stdout", "F", "two-b"),
  entry(6, "stdout", "F", ""),
  entry(7, "stderr", "F", "three"),
].join("");

describe("readContainerLogs", () => {
  let dir = "";
  let n = 0;
  const file = async (content: string): Promise<string> => {
    const p = join(dir, `log-${++n}`, "ctr.log");
    await mkdir(join(p, ".."), { recursive: true });
    await writeFile(p, content);
    return p;
  };
  const read = async (content: string, opts: ContainerLogsOptions = {}): Promise<Sink> => {
    const s = sink();
    await readContainerLogs(await file(content), opts, s.out);
    return s;
  };
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "berth-logs-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("joins P entries per stream, sends each stream to its writable, skips malformed lines", async () => {
    const s = await read(MIXED);
    assert.equal(s.stdout(), "one\ntwo-atwo-b\n\n");
    assert.equal(s.stderr(), "err-aerr-b\nthree\n");
  });

  it("writes a line still unfinished at the end without a newline", async () => {
    const s = await read(MIXED + entry(8, "stdout", "P", "no end yet"));
    assert.equal(s.stdout(), "one\ntwo-atwo-b\n\nno end yet");
  });

  it("leaves out an entry conmon is still writing (no newline yet)", async () => {
    const s = await read(`${MIXED}${at(9)} stdout F half-writ`);
    assert.equal(s.stdout(), "one\ntwo-atwo-b\n\n");
  });

  it("-t prefixes docker's UTC time of the line's last entry", async () => {
    const s = await read(MIXED, { timestamps: true });
    assert.equal(s.stdout().split("\n")[1], "2024-05-01T08:00:05.000000001Z two-atwo-b");
    assert.equal(s.stderr().split("\n")[0], "2024-05-01T08:00:04.000000001Z err-aerr-b");
  });

  it("--since and --until keep the lines finished inside the window", async () => {
    const s = await read(MIXED, { since: utc(4), until: utc(6) });
    assert.equal(s.stdout(), "two-atwo-b\n");
    assert.equal(s.stderr(), "err-aerr-b\n");
  });

  const tails: readonly [number, string, string][] = [
    [0, "", ""],
    [1, "", "three\n"],
    [2, "\n", "three\n"],
    [3, "two-atwo-b\n\n", "three\n"],
    [4, "two-atwo-b\n\n", "err-aerr-b\nthree\n"],
    [5, "one\ntwo-atwo-b\n\n", "err-aerr-b\nthree\n"],
    [50, "one\ntwo-atwo-b\n\n", "err-aerr-b\nthree\n"],
  ];
  for (const [tail, stdout, stderr] of tails) {
    it(`--tail ${tail} counts joined lines over both streams`, async () => {
      const s = await read(MIXED, { tail });
      assert.deepEqual([s.stdout(), s.stderr()], [stdout, stderr]);
    });
  }

  it("--tail with --since counts only lines in the window", async () => {
    const s = await read(MIXED, { tail: 10, since: utc(5) });
    assert.deepEqual([s.stdout(), s.stderr()], ["two-atwo-b\n\n", "three\n"]);
  });

  it("rejects a negative or fractional tail", async () => {
    for (const tail of [-1, 1.5, Number.NaN]) {
      await assert.rejects(read(MIXED, { tail }), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT"));
    }
  });

  it("a missing log is NOT_FOUND unless following", async () => {
    await assert.rejects(readContainerLogs(join(dir, "nope", "ctr.log"), {}, sink().out), (e: unknown) => e instanceof LogFileNotFoundError && isBerthError(e, "NOT_FOUND"));
  });

  describe("follow", () => {
    const follow = async (content: string, opts: ContainerLogsOptions = {}) => {
      const path = await file(content);
      const s = sink();
      let exit = (): void => undefined;
      const stop = new Promise<void>((resolve) => (exit = resolve));
      const done = readContainerLogs(path, { follow: true, stop, pollIntervalMs: 50, ...opts }, s.out);
      return { path, s, exit, done };
    };

    it("reads appends as they come and drains what is left when stopped", async () => {
      const f = await follow(entry(1, "stdout", "F", "first"));
      await waitFor(() => f.s.stdout() === "first\n", "the first line");
      await appendFile(f.path, entry(2, "stderr", "P", "half ") + entry(3, "stdout", "F", "second"));
      await waitFor(() => f.s.stdout() === "first\nsecond\n", "an appended line");
      assert.equal(f.s.stderr(), "", "a P entry waits for its F entry");
      await appendFile(f.path, entry(4, "stderr", "F", "and end") + entry(5, "stdout", "F", "last words"));
      f.exit();
      await f.done;
      assert.equal(f.s.stdout(), "first\nsecond\nlast words\n");
      assert.equal(f.s.stderr(), "half and end\n");
    });

    it("goes on through conmon's replacement at its size limit (tmp file renamed over the log)", async () => {
      const f = await follow(entry(1, "stdout", "F", "old-1"));
      await waitFor(() => f.s.stdout() === "old-1\n", "the first line");
      // What conmon does: the rest into the old file, then open <log>.tmp (O_TRUNC), rename it over <log>.
      await appendFile(f.path, entry(2, "stdout", "F", "old-2") + entry(3, "stderr", "P", "split "));
      await writeFile(`${f.path}.tmp`, "");
      await rename(`${f.path}.tmp`, f.path);
      await appendFile(f.path, entry(4, "stderr", "F", "across files") + entry(5, "stdout", "F", "new-1"));
      await waitFor(() => f.s.stdout() === "old-1\nold-2\nnew-1\n", "lines of the new file");
      await writeFile(`${f.path}.tmp`, entry(6, "stdout", "F", "newer-1"));
      await rename(`${f.path}.tmp`, f.path);
      f.exit();
      await f.done;
      assert.equal(f.s.stdout(), "old-1\nold-2\nnew-1\nnewer-1\n");
      assert.equal(f.s.stderr(), "split across files\n");
    });

    it("goes on through a truncation in place (copytruncate)", async () => {
      const f = await follow(entry(1, "stdout", "F", "before") + entry(2, "stdout", "F", "more before"));
      await waitFor(() => f.s.stdout() === "before\nmore before\n", "the first lines");
      await truncate(f.path, 0);
      await appendFile(f.path, entry(3, "stdout", "F", "after"));
      await waitFor(() => f.s.stdout().endsWith("after\n"), "the line after the truncation");
      f.exit();
      await f.done;
      assert.equal(f.s.stdout(), "before\nmore before\nafter\n");
    });

    it("with --tail, starts at the last lines and joins an unfinished one with its end", async () => {
      const f = await follow(MIXED + entry(8, "stdout", "P", "to be "), { tail: 2 });
      await waitFor(() => f.s.stderr() === "three\n", "the tail");
      await appendFile(f.path, entry(9, "stdout", "F", "continued"));
      await waitFor(() => f.s.stdout() === "to be continued\n", "the joined line");
      f.exit();
      await f.done;
    });

    it("waits for a log that does not exist yet", async () => {
      const path = join(dir, "later", "ctr.log");
      await mkdir(join(path, ".."), { recursive: true });
      const s = sink();
      let exit = (): void => undefined;
      const done = readContainerLogs(path, { follow: true, pollIntervalMs: 50, stop: new Promise<void>((r) => (exit = r)) }, s.out);
      await sleep(100);
      await writeFile(path, entry(1, "stdout", "F", "finally"));
      await waitFor(() => s.stdout() === "finally\n", "the line of the new file");
      exit();
      await done;
    });

    it("an abort ends following at once", async () => {
      const ac = new AbortController();
      const f = await follow(entry(1, "stdout", "F", "x"), { signal: ac.signal, pollIntervalMs: 60_000 });
      await waitFor(() => f.s.stdout() === "x\n", "the line");
      ac.abort();
      await f.done;
    });

    it("--until ends following once a later line comes", async () => {
      const f = await follow(entry(1, "stdout", "F", "in"), { until: utc(2) });
      await waitFor(() => f.s.stdout() === "in\n", "the line");
      await appendFile(f.path, entry(3, "stdout", "F", "too late"));
      await f.done;
      assert.equal(f.s.stdout(), "in\n");
    });

    it("stops when the writable is closed (a pipe to head)", async () => {
      const f = await follow(entry(1, "stdout", "F", "x"));
      await waitFor(() => f.s.stdout() === "x\n", "the line");
      f.s.out.stdout.destroy();
      await appendFile(f.path, entry(2, "stdout", "F", "y"));
      await f.done;
    });
  });
});
