import { existsSync } from "node:fs";
import { whenDrained } from "../../content/index.js";
import { SignalProxy } from "./signal-proxy.js";
import {
  DaemonClient, DaemonNotRunningError, DaemonUnavailableError, daemonPaths, FRAME_MESSAGE, FRAME_STDERR, fromWireError, isMissingRoute, requestRun, type Frame, type RunMessage,
  type RunRequest, type RunSocketRequest,
} from "../../api/index.js";
import { ContainerStartError, selfIdentity, trace, type CreateContainerOptions, type StartFailureCode } from "../../runtime/index.js";

/**
 * Set once the daemon has said this process must run the container itself (it
 * is older than this CLI, or lacks the image). A global, not a module's
 * variable: the run client (run-client.ts) and the whole `run` command are
 * two bundles in one process, each with its own copy of this module, and the
 * second must not ask again.
 */
const DECLINED = Symbol.for("berth.run.daemonDeclined");
const declined = globalThis as { [DECLINED]?: true };

/** Set by bin/berth.cjs when it announced this process's `run` to the daemon (api/run-announcements.ts). */
const ANNOUNCED = Symbol.for("berth.run.announced");
const announced = (): boolean => (globalThis as { [ANNOUNCED]?: boolean })[ANNOUNCED] === true;

/**
 * Hand `berth run` to the daemon of `root`, as docker's CLI hands it to
 * dockerd: the daemon runs warm (its code compiled, the image store read), so
 * the container starts sooner than this process could start it. Detached:
 * prints the id. In the foreground: one request whose answer is the
 * container's output, then its exit code once it has ended (and, with
 * `--rm`, been taken apart); the signals this berth gets go to the container
 * meanwhile. Resolves the exit code for berth, or undefined when this berth
 * must run the container itself: no daemon runs for the root, it is older
 * than this CLI, or the image is not in the store (this berth pulls it,
 * showing its progress). A container that cannot start throws
 * ContainerStartError (its exit code 125/126/127); anything else the daemon
 * refuses is thrown as the error it was.
 */
export async function runInDaemon(root: string, image: string, opts: CreateContainerOptions, how: { readonly detach: boolean }): Promise<number | undefined> {
  const { socket, runSocket } = daemonPaths(root);
  // No socket, no daemon: spare the connection attempt (the usual case without one).
  if (declined[DECLINED] === true || !existsSync(socket)) return undefined;
  const { onProgress: _p, onUnpack: _u, signal: _s, ...options } = opts;
  const client = new DaemonClient(socket);
  // A daemon of this berth or later listens on the run socket too: no HTTP on the run's path.
  const bare = existsSync(runSocket);
  trace("run: asking the daemon");
  try {
    let code: number | undefined;
    // The daemon made the container when the launcher announced it: this berth's identity claims it.
    const caller = bare && announced() ? { caller: await selfIdentity() } : {};
    if (how.detach) {
      const run: RunRequest = { image, options };
      const answer = bare ? await firstMessage(runSocket, { detach: true, run, ...caller }) : await client.json<RunMessage>("POST", "/v1/containers/run", run);
      const id = containerId(socket, answer);
      if (id !== undefined) process.stdout.write(`${id}\n`);
      code = id === undefined ? undefined : 0;
    } else {
      const run: RunRequest = { image, options, attached: await selfIdentity() };
      code = await followInDaemon(client, bare
        ? { socket: runSocket, stream: (onFrame) => requestRun(runSocket, { detach: false, run, ...caller }, onFrame) }
        : { socket, stream: (onFrame) => client.frames("POST", "/v1/containers/run/attached", run, onFrame) });
    }
    if (code === undefined) declined[DECLINED] = true;
    return code;
  } catch (e) {
    if (!(e instanceof DaemonNotRunningError || isMissingRoute(e))) throw e;
    declined[DECLINED] = true;
    return undefined;
  }
}

/** The answer to a detached run on the run socket: its one message. */
async function firstMessage(runSocket: string, request: RunSocketRequest): Promise<RunMessage> {
  let message: RunMessage | undefined;
  await requestRun(runSocket, request, (f) => {
    if (f.kind === FRAME_MESSAGE && message === undefined) message = parseMessage(runSocket, f.payload);
  });
  if (message === undefined) throw new DaemonUnavailableError(runSocket, "ended the answer to a detached run without a message (did the daemon stop?)");
  if ("error" in message) throw fromWireError(message.error, "the daemon failed to run the container");
  return message;
}

/**
 * The foreground run, its answer's frames from `answer.stream` (the run socket, or the HTTP route of
 * an older daemon, `answer.socket` named in errors): output to this berth's stdout and stderr as it
 * comes, signals passed on (through `client`), the exit code last.
 */
async function followInDaemon(
  client: DaemonClient,
  answer: { readonly socket: string; readonly stream: (onFrame: (f: Frame) => void | Promise<void>) => Promise<void> },
): Promise<number | undefined> {
  const { socket, stream } = answer;
  let result: { code: number | undefined } | undefined;
  let id: string | undefined;
  const signals = new SignalProxy();
  try {
    await stream((f: Frame) => {
      if (f.kind !== FRAME_MESSAGE) return write(f.kind === FRAME_STDERR ? process.stderr : process.stdout, f.payload);
      const m = parseMessage(socket, f.payload);
      if ("exitCode" in m) {
        trace("run: the exit code came");
        result = { code: exitCode(socket, m.exitCode) };
      } else if ("error" in m) throw fromWireError(m.error, "the daemon failed to run the container");
      else if ((id = containerId(socket, m)) === undefined) result = { code: undefined };
      else {
        trace("run: the daemon started it");
        const started = id;
        signals.forward((signal) => void client.json("POST", `/v1/containers/${started}/kill`, { signal }).catch(() => undefined));
      }
    });
  } finally {
    signals.stop();
  }
  if (result === undefined) {
    throw new DaemonUnavailableError(socket, "ended the run's answer without an exit code (did the daemon stop?)", "`berth ps -a` shows the container; its logs are in `berth logs`");
  }
  return result.code;
}

/** Write one frame's bytes; resolves once `out` takes more (a slow reader of berth's output slows the daemon down). */
function write(out: NodeJS.WriteStream, bytes: Buffer): void | Promise<void> {
  if (!out.write(bytes)) return whenDrained(out);
}

function exitCode(socket: string, v: unknown): number {
  if (typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 255) return v;
  throw new DaemonUnavailableError(socket, `answered a run with exit code ${JSON.stringify(v)}, not one from 0 to 255`);
}

function parseMessage(socket: string, payload: Buffer): RunMessage {
  try {
    const v: unknown = JSON.parse(payload.toString("utf8"));
    if (typeof v === "object" && v !== null && !Array.isArray(v)) return v as RunMessage;
  } catch {
    // Said below.
  }
  throw new DaemonUnavailableError(socket, `answered a run with a message that is not a JSON object: ${payload.toString("utf8").slice(0, 200)}`);
}

/**
 * The container id in the daemon's first answer, undefined when the image is
 * not in the store; its start error thrown. The id becomes a path and a URL
 * here: only a container id is taken.
 */
function containerId(socket: string, m: RunMessage): string | undefined {
  if ("startError" in m) {
    const { id, exitCode: code, message } = m.startError;
    // What berth exits with: only a start failure's own codes.
    if ((code === 125 || code === 126 || code === 127) && typeof message === "string") throw new ContainerStartError(String(id), code as StartFailureCode, message);
  }
  if ("imageAbsent" in m) return undefined;
  if ("id" in m && typeof m.id === "string" && /^[0-9a-f]{64}$/.test(m.id)) return m.id;
  throw new DaemonUnavailableError(socket, `answered a run with ${JSON.stringify(m).slice(0, 200)}, not a container id`);
}
