/**
 * docker's default confinement, as tables: the capability set it grants
 * (runc's own default is too small for images such as nginx, which chown at
 * start) and the /proc and /sys paths it hides or makes read-only.
 */

/** Every capability of Linux 6.x (capabilities(7)), for `ALL` and validation. */
export const ALL_CAPABILITIES: readonly string[] = [
  "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID", "SETPCAP",
  "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER",
  "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
  "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP",
  "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF",
  "CHECKPOINT_RESTORE",
].map((c) => `CAP_${c}`);

/** docker's default set (moby's oci/caps/defaults.go), in its order. */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  "CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW", "SETGID", "SETUID", "SETFCAP",
  "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE",
].map((c) => `CAP_${c}`);

/** Paths docker masks (bind of /dev/null, or an empty read-only tmpfs for directories). */
export const MASKED_PATHS: readonly string[] = [
  "/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
  "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap",
];

/** Paths docker remounts read-only. */
export const READONLY_PATHS: readonly string[] = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"];

/** `net_admin`, `CAP_NET_ADMIN` → `CAP_NET_ADMIN`; `all` → `ALL`; unknown → undefined. */
export function normalizeCapability(name: string): string | undefined {
  const upper = name.trim().toUpperCase();
  if (upper === "ALL") return "ALL";
  const full = upper.startsWith("CAP_") ? upper : `CAP_${upper}`;
  return ALL_CAPABILITIES.includes(full) ? full : undefined;
}

/**
 * The container's capabilities from docker's defaults and the user's
 * changes, as docker computes them: `--cap-drop ALL` starts from nothing,
 * `--cap-add ALL` from everything; then drops, then adds (an add wins over a
 * drop of the same capability). Names must be normalized.
 */
export function effectiveCapabilities(add: readonly string[] = [], drop: readonly string[] = []): string[] {
  const base = add.includes("ALL") ? ALL_CAPABILITIES : drop.includes("ALL") ? [] : DEFAULT_CAPABILITIES;
  const caps = base.filter((c) => !drop.includes(c));
  for (const c of add) if (c !== "ALL" && !caps.includes(c)) caps.push(c);
  return caps;
}
