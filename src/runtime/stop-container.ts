import { InvalidArgumentError } from "../oci/index.js";
import type { ContainerRecord } from "./container-record.js";
import { readContainerState, withContainerLock, writeContainerState } from "./container-state.js";
import { currentState, waitContainer } from "./container-status.js";
import { ContainerStateError, type RuntimeContext } from "./runtime-context.js";
import { signalInit, signalNumber, signalsInitDirectly } from "./signal-init.js";
import { trace } from "./internal/trace.js";

/** Signal names and numbers runc takes; docker accepts both, with or without SIG. */
export function normalizeSignal(value: string): string {
  const v = value.trim().toUpperCase();
  if (/^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 64) return v;
  const name = v.startsWith("SIG") ? v : `SIG${v}`;
  // Known names only: runc would otherwise refuse the name itself, its error shown with its whole command line.
  const realTime = /^SIGRT(MIN(\+\d{1,2})?|MAX(-\d{1,2})?)$/.test(name);
  if (!realTime && signalNumber(name) === undefined) {
    throw new InvalidArgumentError(`invalid signal: ${value}`, { hint: "a signal name or number from 1 to 64, e.g. SIGTERM, HUP or 9" });
  }
  return name;
}

/** Mark the run as ended by a user: no restart policy applies to it. */
async function markStoppedByUser(ctx: RuntimeContext, id: string): Promise<void> {
  const dir = ctx.dir(id);
  await withContainerLock(dir, async () => {
    const s = await readContainerState(dir);
    if (s !== undefined && (s.status === "running" || s.status === "restarting")) {
      await writeContainerState(dir, { ...s, stoppedByUser: true, ...(s.status === "restarting" && { status: "exited" as const }) });
    }
  });
}

/**
 * docker stop: the stop signal (the image's StopSignal, else SIGTERM), then
 * SIGKILL to every process after `timeoutS` seconds (never, when negative);
 * resolves with the exit code once the end is recorded. A container that is not running is fine.
 */
export async function stopContainer(ctx: RuntimeContext, record: ContainerRecord, timeoutS = 10): Promise<number | undefined> {
  const s = await currentState(ctx, record);
  if (s.status !== "running" && s.status !== "restarting") return s.exitCode;
  await markStoppedByUser(ctx, record.id);
  if (s.status === "restarting") return s.exitCode;
  const runtime = ctx.runtimeOf(record);
  const direct = signalsInitDirectly(runtime.binary);
  const stopSignal = normalizeSignal(record.stopSignal ?? "SIGTERM");
  await signalInit(s, stopSignal, { direct, viaRuntime: () => runtime.kill(record.id, stopSignal) });
  trace(`stop ${record.id.slice(0, 12)}: ${stopSignal} sent`);
  // A negative timeout is docker's "wait however long it takes": no kill.
  const graceful = timeoutS < 0 ? new AbortController().signal : AbortSignal.timeout(timeoutS * 1000);
  try {
    return await waitContainer(ctx, record, { signal: graceful });
  } catch (e) {
    if (!graceful.aborted) throw e;
  }
  await signalInit(s, "SIGKILL", { direct, all: true, viaRuntime: () => runtime.kill(record.id, "SIGKILL", true) });
  trace(`stop ${record.id.slice(0, 12)}: SIGKILL sent`);
  const code = await waitContainer(ctx, record, { signal: AbortSignal.timeout(30_000) });
  trace(`stop ${record.id.slice(0, 12)}: its end recorded`);
  return code;
}

/**
 * docker kill: send `signal` (default SIGKILL) to the container's main process; refused unless
 * running. A container waiting to be restarted has no process: as docker's, the kill ends its
 * restarts instead (it stays exited with its last code).
 */
export async function killContainer(ctx: RuntimeContext, record: ContainerRecord, signal = "SIGKILL"): Promise<void> {
  const sig = normalizeSignal(signal);
  const s = await currentState(ctx, record);
  if (s.status === "restarting") return void (await markStoppedByUser(ctx, record.id));
  if (s.status !== "running") throw new ContainerStateError(record.id, `is not running (${s.status})`, "start it first");
  if (sig === "SIGKILL" || sig === "9" || sig === "SIGTERM" || sig === "15") await markStoppedByUser(ctx, record.id);
  const runtime = ctx.runtimeOf(record);
  if (!(await signalInit(s, sig, { direct: signalsInitDirectly(runtime.binary), viaRuntime: () => runtime.kill(record.id, sig) }))) throw new ContainerStateError(record.id, "is not running", "it ended meanwhile");
}
