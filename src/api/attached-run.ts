import { Writable } from "node:stream";
import { finished } from "node:stream/promises";
import { ImageNotFoundError } from "../image/index.js";
import { ContainerStartError, readContainerLogs, trace, type ContainerRecord, type ContainerRuntime } from "../runtime/index.js";
import { toWireError } from "./api-wire.js";
import type { RunRequest } from "./api-requests.js";
import { encodeFrame, FRAME_MESSAGE, FRAME_STDERR, FRAME_STDOUT, type RunMessage } from "./frame-stream.js";
import type { ClaimedRun } from "./run-announcements.js";

/**
 * `POST /v1/containers/run/attached`, a foreground `berth run` handed to the
 * daemon, as docker's CLI hands `docker run` to dockerd (create, attach,
 * start, wait): the container is made and started here, its output streamed
 * back from its log as it comes, and once it has ended (and, with `--rm`,
 * been taken apart here) its exit code is the last frame. The CLI loads none
 * of the runtime's code and makes one request.
 *
 * `res` is the HTTP answer (its head written, FRAME_CONTENT_TYPE) or a
 * connection to the run socket (run-socket.ts).
 *
 * When the CLI goes away first, the stream stops and the container is left
 * as it is: it names that berth as its follower (`attached`), so a later
 * `ps` settles and removes it as it does for a foreground berth that died.
 */
export async function streamAttachedRun(runtime: ContainerRuntime, body: RunRequest, res: Writable, claim?: () => Promise<ClaimedRun>): Promise<void> {
  trace("api: attached run asked");
  const gone = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) gone.abort();
  });
  const say = (m: RunMessage): void => {
    if (!res.destroyed) res.write(encodeFrame(FRAME_MESSAGE, Buffer.from(JSON.stringify(m))));
  };
  try {
    const started = await startForClient(runtime, body, claim);
    if (!("record" in started)) return say(started);
    const { record } = started;
    say({ id: record.id });
    const out = { stdout: new FrameWritable(res, FRAME_STDOUT), stderr: new FrameWritable(res, FRAME_STDERR) };
    await readContainerLogs(runtime.ctx.logPath(record.id), { follow: true, stop: runtime.ended(record, { signal: gone.signal }), signal: gone.signal }, out);
    // What the streams still hold (a frame waits while the CLI reads slower than the log is read) goes
    // out before the exit code: after it, the answer ends.
    out.stdout.end();
    out.stderr.end();
    await Promise.all([finished(out.stdout), finished(out.stderr)]).catch(() => undefined);
    if (gone.signal.aborted) return;
    trace("api: output sent");
    say({ exitCode: record.autoRemove ? await runtime.removeExited(record) : await runtime.wait(record, { nextExit: true }) });
  } catch (e) {
    say({ error: toWireError(e) });
  } finally {
    res.end();
  }
}

/**
 * Make and start the container a CLI handed over, warm. A command that cannot
 * start is the container's failure, not the API's: its exit code (126, 127)
 * goes back with it. An image the store lacks is the CLI's to pull (with its
 * progress on the user's terminal; it then runs the container itself):
 * nothing is made. Other failures are thrown. `claim` (an announced run's,
 * run-announcements.ts) gives the container made ahead for this request, if
 * there is one.
 */
export async function startForClient(runtime: ContainerRuntime, body: RunRequest, claim?: () => Promise<ClaimedRun>): Promise<{ readonly record: ContainerRecord } | RunMessage> {
  try {
    const made = await claim?.();
    if (made !== undefined && "failed" in made) throw made.failed;
    if (made !== undefined) return { record: made.record };
    return { record: (await runtime.run(body.image, { ...body.options, pull: "never" }, { ...(body.attached && { attached: body.attached }) })).record };
  } catch (e) {
    if (e instanceof ContainerStartError) return { startError: { id: e.containerId, exitCode: e.exitCode, message: e.runtimeMessage } };
    if (e instanceof ImageNotFoundError) return { imageAbsent: true };
    throw e;
  }
}

/** One of the container's streams, written to the answer as frames of its kind; waits while the CLI reads slower than the container writes. */
class FrameWritable extends Writable {
  constructor(private readonly res: Writable, private readonly kind: number) {
    super();
    res.once("close", () => this.destroy());
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (e?: Error | null) => void): void {
    if (this.res.destroyed) return done();
    if (this.res.write(encodeFrame(this.kind, chunk))) done();
    else this.res.once("drain", () => done());
  }
}
