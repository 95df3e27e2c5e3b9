import { constants } from "node:os";
import { basename } from "node:path";
import type { ContainerState } from "./container-state.js";
import { isRunning } from "./process-identity.js";

/**
 * Send `signal` (a name as normalizeSignal gives it, SIGTERM, or a number) to a
 * running container's init process, as `runc kill` does, but from this
 * process: a runc process costs 20 to 40 ms here, and a `stop` of 50
 * containers started 100 of them at once (TERM, then KILL --all), which
 * held each stop's grace period back by seconds. `all` (kill every process
 * of the container) needs nothing more for SIGKILL: berth's containers
 * always have their own pid namespace, and the kernel kills every process in
 * it when its init dies. Only for runc and crun, whose recorded pid is the
 * container's init (`direct`; see {@link signalsInitDirectly}): another
 * runtime's pid may be a sandbox's (gVisor's runsc), and its kill is its own.
 * Resolves true once sent, false when the process named in `state` has
 * ended; `viaRuntime` (the runtime's kill) when not direct, the init's
 * identity is not recorded, the signal is not one Node can send
 * (SIGRTMIN+3, say) or `all` is asked with another signal.
 */
export async function signalInit(
  state: Pick<ContainerState, "pid">,
  signal: string,
  how: { readonly direct: boolean; readonly all?: boolean; readonly viaRuntime: () => Promise<boolean> },
): Promise<boolean> {
  const number = signalNumber(signal);
  if (!how.direct || state.pid === undefined || number === undefined || (how.all === true && number !== constants.signals.SIGKILL)) return how.viaRuntime();
  // The recorded identity (pid and start time), not the pid alone: a reused pid is not the container.
  if (!(await isRunning(state.pid))) return false;
  try {
    process.kill(state.pid.pid, number);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ESRCH") return false;
    throw e;
  }
}

/** The number of a signal name Node knows (SIGTERM, SIGHUP…) or of a number 1-64; undefined otherwise. */
export function signalNumber(signal: string): number | undefined {
  if (/^\d+$/.test(signal)) {
    const n = Number(signal);
    return n >= 1 && n <= 64 ? n : undefined;
  }
  const known = (constants.signals as Record<string, number | undefined>)[signal];
  return typeof known === "number" ? known : undefined;
}

/** Whether berth signals a container's init itself under this OCI runtime (see {@link signalInit}): runc and crun. */
export const signalsInitDirectly = (runtimeBinary: string): boolean => ["runc", "crun"].includes(basename(runtimeBinary));
