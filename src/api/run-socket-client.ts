import { connect } from "node:net";
import type { RunRequest } from "./api-requests.js";
import type { ProcessIdentity } from "../runtime/index.js";
import { deliverFrames } from "./daemon-client.js";
import { DaemonNotRunningError, DaemonUnavailableError } from "./daemon-errors.js";
import { encodeFrame, FrameDecoder, FRAME_MESSAGE, type Frame } from "./frame-stream.js";

/** The one frame a CLI sends on the run socket (run-socket.ts). */
export interface RunSocketRequest {
  readonly detach: boolean;
  readonly run: RunRequest;
  /** The CLI's identity, when its launcher announced the run (run-announcements.ts). */
  readonly caller?: ProcessIdentity;
}

/**
 * Hand a run to the daemon on its run socket (run-socket.ts): one request
 * frame, then each frame of the answer to `onFrame`, in order, reading paused
 * while a promise it returns is pending. Resolves once the daemon has ended
 * the answer. No daemon listening is DaemonNotRunningError; an answer cut
 * off (the daemon stopped) is DaemonUnavailableError.
 */
export async function requestRun(socketPath: string, request: RunSocketRequest, onFrame: (f: Frame) => void | Promise<void>): Promise<void> {
  const socket = connect(socketPath);
  let ended = false;
  socket.once("end", () => (ended = true));
  socket.write(encodeFrame(FRAME_MESSAGE, Buffer.from(JSON.stringify(request))));
  const decoder = new FrameDecoder();
  try {
    await deliverFrames(socket, decoder, onFrame);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ECONNREFUSED") throw new DaemonNotRunningError(socketPath);
    throw e;
  } finally {
    socket.destroy();
  }
  if (!ended || decoder.unfinished > 0) throw new DaemonUnavailableError(socketPath, "the answer to the run ended early (did the daemon stop?)");
}
