import { readSmallFile } from "./internal/read-small-file.js";

/**
 * The hard RLIMIT_NOFILE of this process, from /proc/self/limits: a
 * container may not get more without CAP_SYS_RESOURCE, which the machine may
 * lack. Falls back to 1024 (the kernel's default) when unreadable.
 */
export async function nofileHardLimit(limitsText?: string): Promise<number> {
  const text = limitsText ?? readSmallFile("/proc/self/limits") ?? "";
  const line = text.split("\n").find((l) => l.startsWith("Max open files"));
  const hard = line?.slice("Max open files".length).trim().split(/\s+/)[1];
  if (hard === "unlimited") return 1_048_576;
  const n = Number(hard);
  return Number.isSafeInteger(n) && n > 0 ? n : 1024;
}
