import { BerthError, type ErrorCode } from "../oci/index.js";

/**
 * Why a container's command never ran, in docker's exit codes: 125 when
 * berth or the runtime failed, 126 when the command cannot be executed,
 * 127 when it was not found.
 */
export type StartFailureCode = 125 | 126 | 127;

/** The container was set up but its command could not start (runc's own report is the message). */
export class ContainerStartError extends BerthError {
  /** `reason`: what the hint says, when the exit code does not tell it (exec's 126 for a command not found). */
  constructor(readonly containerId: string, readonly exitCode: StartFailureCode, readonly runtimeMessage: string, reason: StartFailureCode = exitCode) {
    super(exitCode === 125 ? "INTERNAL" : "FAILED_PRECONDITION", `container ${containerId.slice(0, 12)}: ${runtimeMessage}`, {
      hint: reason === 127
        ? "check the command and the image's PATH; give an absolute path or override with --entrypoint"
        : reason === 126
          ? "the file exists but cannot run: check its mode bits, its format (architecture) and --user"
          : "see the runtime's message above; run with --debug for details",
    });
  }
}

/** The container's filesystem could not be mounted or unmounted. */
export class RootfsError extends BerthError {
  constructor(code: ErrorCode, readonly path: string, detail: string, hint: string, cause?: unknown) {
    super(code, `rootfs ${path}: ${detail}`, { hint, cause });
  }
}

/** A runtime program (runc, mount) failed in a way that is not the container's fault. */
export class RuntimeToolError extends BerthError {
  constructor(readonly tool: string, readonly args: readonly string[], detail: string, hint?: string) {
    super("UNAVAILABLE", `${tool} ${args.join(" ")}: ${detail}`, hint === undefined ? {} : { hint });
  }
}

/**
 * A command `exec` could not start, as docker's exec tells it: 126 whether
 * it was not found or cannot execute (its `run` tells those apart, 127 and
 * 126), 125 for anything else; the hint still says which.
 */
export function execStartError(containerId: string, message: string): ContainerStartError {
  const reason = classifyStartFailure(message);
  return new ContainerStartError(containerId, reason === 127 ? 126 : reason, message, reason);
}

/**
 * docker's reading of a runtime start failure: "not found" → 127, "cannot
 * execute" → 126, anything else → 125.
 */
export function classifyStartFailure(message: string): StartFailureCode {
  // Only failures of the final exec count: a missing mount source also says "no such file".
  if (!/\bexec: "/.test(message)) return 125;
  if (/executable file not found|no such file or directory/i.test(message)) return 127;
  if (/permission denied|exec format error|is a directory/i.test(message)) return 126;
  return 125;
}
