import { DaemonClient, DaemonNotRunningError, DaemonUnavailableError, daemonPaths, isMissingRoute } from "../../api/index.js";
import { ContainerStartError, trace, type CreateContainerOptions, type ProcessIdentity, type StartFailureCode } from "../../runtime/index.js";

/** What the daemon answers to `POST /v1/containers/run`. */
type RunAnswer =
  | { readonly id: string }
  | { readonly imageAbsent: true }
  | { readonly startError: { readonly id: string; readonly exitCode: StartFailureCode; readonly message: string } };

/**
 * Hand the making and starting of a container to the daemon of `root`, as
 * docker's CLI does: it runs warm (its code compiled, the image store read),
 * so the container starts sooner than this process could start it. Resolves
 * the container's id, or undefined when this berth must do it itself: no
 * daemon runs for the root, it is older than this CLI (no run API), or the
 * image is not in the store (this berth pulls it, showing its progress).
 * Anything else the daemon refuses is thrown as the error it was.
 */
export async function startInDaemon(root: string, image: string, opts: CreateContainerOptions, attached: ProcessIdentity | undefined): Promise<string | undefined> {
  const { onProgress: _p, onUnpack: _u, signal: _s, ...options } = opts;
  let answer: RunAnswer;
  trace("run: asking the daemon");
  try {
    answer = await new DaemonClient(daemonPaths(root).socket).json<RunAnswer>("POST", "/v1/containers/run", { image, options, ...(attached !== undefined && { attached }) });
  } catch (e) {
    if (e instanceof DaemonNotRunningError || isMissingRoute(e)) return undefined;
    throw e;
  }
  trace("run: the daemon answered");
  if ("startError" in answer) throw new ContainerStartError(answer.startError.id, answer.startError.exitCode, answer.startError.message);
  if ("imageAbsent" in answer) return undefined;
  // The id becomes a path here (the log to follow): only a container id is taken.
  if (typeof answer.id === "string" && /^[0-9a-f]{64}$/.test(answer.id)) return answer.id;
  throw new DaemonUnavailableError(daemonPaths(root).socket, `answered a run with ${JSON.stringify(answer).slice(0, 200)}, not a container id`);
}

/**
 * Take apart an `--rm` container the daemon started, once this berth has
 * read its log to the end: the daemon's removal runs warm, and this process
 * loads none of its code. Resolves the container's exit code, or undefined
 * when the daemon is gone meanwhile (this berth then removes it itself).
 */
export async function removeInDaemon(root: string, id: string): Promise<number | undefined> {
  try {
    return (await new DaemonClient(daemonPaths(root).socket).json<{ exitCode: number }>("POST", `/v1/containers/${id}/remove-exited`, {})).exitCode;
  } catch (e) {
    if (e instanceof DaemonNotRunningError) return undefined;
    throw e;
  }
}
