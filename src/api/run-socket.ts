import { chmod, unlink } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { InvalidArgumentError } from "../oci/index.js";
import type { ContainerRuntime, ProcessIdentity } from "../runtime/index.js";
import { toWireError } from "./api-wire.js";
import { parseProcessIdentity, parseRunRequest } from "./api-requests.js";
import { startForClient, streamAttachedRun } from "./attached-run.js";
import { encodeFrame, FrameDecoder, FRAME_MESSAGE, type RunMessage } from "./frame-stream.js";
import type { ClaimedRun, RunAnnouncements } from "./run-announcements.js";

/** A client that has not sent its request within this time is not a berth CLI: its connection is closed. */
const REQUEST_TIMEOUT_MS = 10_000;

/**
 * The daemon's second socket, `<root>/daemon/run.sock`: `berth run` handed
 * over without HTTP, since it is on the path of every run. The CLI sends one
 * message frame (frame-stream.ts) holding `{"detach": bool, "run":
 * RunRequest}` — the body of `POST /v1/containers/run[/attached]` — and
 * reads the frames of that route's answer: for a detached run one message
 * (the id, or why there is none); for a foreground one the id, the
 * container's output and the exit code, as streamAttachedRun writes them.
 * A request the daemon refuses is answered with an `{"error": …}` message.
 * A CLI whose launcher announced it (run-announcements.ts) adds `"caller":
 * {pid, startTime}`, its own identity: the container made for the
 * announcement is then used when it was made for this request.
 * HTTP's request and answer machinery on both ends cost 2.4 ms of a
 * foreground `berth run`'s 80 here; the HTTP routes stay for every other
 * client and for CLIs that do not know this socket.
 */
export class RunSocket {
  private constructor(private readonly server: Server, private readonly path: string, private readonly connections: Set<Socket>) {}

  /** Listen on `path` (a stale socket file there is replaced), mode 0600 as the API socket. */
  static async listen(path: string, runtime: ContainerRuntime, log?: (line: string) => void, announcements?: RunAnnouncements): Promise<RunSocket> {
    const connections = new Set<Socket>();
    const server = createServer((socket) => {
      connections.add(socket);
      socket.once("close", () => connections.delete(socket));
      serveConnection(socket, runtime, announcements).catch((e: unknown) => {
        log?.(`run socket: ${e instanceof Error ? e.message : String(e)}`);
        socket.destroy();
      });
    });
    await unlink(path).catch(() => undefined);
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(path, () => resolve());
    });
    await chmod(path, 0o600);
    return new RunSocket(server, path, connections);
  }

  /** Stop listening and close every connection (their containers run on); the socket file goes. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.connections) socket.destroy();
    await closed;
    await unlink(this.path).catch(() => undefined);
  }
}

/** Read the one request frame, then answer as the HTTP route would. */
async function serveConnection(socket: Socket, runtime: ContainerRuntime, announcements: RunAnnouncements | undefined): Promise<void> {
  const payload = await firstFrame(socket);
  if (payload === undefined) return;
  const say = (m: RunMessage): void => void socket.end(encodeFrame(FRAME_MESSAGE, Buffer.from(JSON.stringify(m))));
  let detach: boolean;
  let request;
  let caller: ProcessIdentity | undefined;
  try {
    const v = JSON.parse(payload.toString("utf8")) as { detach?: unknown; run?: unknown; caller?: unknown };
    const known = typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).every((k) => k === "detach" || k === "run" || k === "caller");
    if (!known || (v.detach !== undefined && typeof v.detach !== "boolean")) {
      throw new InvalidArgumentError("a run socket request is {\"detach\": boolean, \"run\": {…}, \"caller\": {\"pid\": N, \"startTime\": \"…\"}}, nothing else");
    }
    detach = v.detach === true;
    request = parseRunRequest(v.run);
    caller = v.caller === undefined ? undefined : parseProcessIdentity(v.caller, "caller");
  } catch (e) {
    return say({ error: toWireError(e) });
  }
  const run = request;
  const claim = caller === undefined || announcements === undefined ? undefined : (): Promise<ClaimedRun> => announcements.claim(caller, detach, run);
  if (!detach) return streamAttachedRun(runtime, request, socket, claim);
  try {
    const started = await startForClient(runtime, request, claim);
    say("record" in started ? { id: started.record.id } : started);
  } catch (e) {
    say({ error: toWireError(e) });
  }
}

/**
 * The payload of the connection's first frame, which must be a message;
 * undefined (the connection closed) when the peer sends something else,
 * goes away, or takes longer than {@link REQUEST_TIMEOUT_MS}.
 */
function firstFrame(socket: Socket): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const decoder = new FrameDecoder();
    const finish = (payload: Buffer | undefined): void => {
      clearTimeout(timer);
      socket.off("data", onData);
      socket.off("close", onClose);
      if (payload === undefined) socket.destroy();
      // Nothing more is read from the CLI, but reading on is how its going away is seen (its end, 'close').
      else socket.on("data", () => undefined);
      resolve(payload);
    };
    const onData = (chunk: Buffer): void => {
      let frames;
      try {
        frames = decoder.push(chunk);
      } catch {
        return finish(undefined);
      }
      const [first] = frames;
      if (first === undefined) return;
      finish(first.kind === FRAME_MESSAGE && frames.length === 1 && decoder.unfinished === 0 ? first.payload : undefined);
    };
    const onClose = (): void => finish(undefined);
    const timer = setTimeout(() => finish(undefined), REQUEST_TIMEOUT_MS);
    socket.on("data", onData);
    socket.once("close", onClose);
    socket.on("error", () => undefined);
  });
}
