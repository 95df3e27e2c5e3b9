import { InvalidArgumentError, type ContainerConfig } from "../oci/index.js";
import type { ContainerOptions, TmpfsMount } from "./container-options.js";
import type { EtcFiles } from "./etc-files.js";
import { effectiveCapabilities, MASKED_PATHS, READONLY_PATHS } from "./default-security.js";
import { resolveUser } from "./resolve-user.js";
import { seccompForSpec } from "./seccomp-profile.js";
import type { RuntimeSpec, SpecMount, SpecResources } from "./spec-types.js";

/** Everything {@link buildRuntimeSpec} reads; it does no I/O. */
export interface RuntimeSpecInput {
  /** Container id (64 hex); names the cgroup and gives the default hostname. */
  readonly id: string;
  /** The image's execution defaults (its config's `config`). */
  readonly image?: ContainerConfig;
  readonly options: ContainerOptions;
  /** The image's /etc/passwd and /etc/group, when it has them. */
  readonly passwd?: string;
  readonly group?: string;
  /** Hard RLIMIT_NOFILE of the host: the container's limit may not exceed it (no CAP_SYS_RESOURCE). */
  readonly nofileHardLimit: number;
  /** The host's hostname: the default for `--network host`, as docker. */
  readonly hostHostname?: string;
  /** Host files to bind over /etc/hostname, /etc/hosts, /etc/resolv.conf (unless a `-v` mounts there). */
  readonly etcFiles?: EtcFiles;
  /**
   * A docker-format seccomp profile (parsed JSON) and where it came from;
   * absent means unconfined. `arch` is Node's process.arch (default this machine's).
   */
  readonly seccomp?: { readonly profile: unknown; readonly source: string; readonly arch?: string; readonly isDefault?: boolean };
  /** Parent cgroup; default `/berth`. */
  readonly cgroupParent?: string;
  /** A network namespace made for the container (bridge and user networks); absent = a new empty one, or the host's for `--network host`. */
  readonly netnsPath?: string;
  /** `-t`: the process gets a terminal. */
  readonly terminal?: boolean;
  /** `--init`: a static init binary on the host, bind-mounted and run as pid 1 before the command. */
  readonly init?: string;
}

/** Where `--init`'s binary appears in the container (docker's path). */
export const INIT_PATH = "/sbin/docker-init";

const DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
/** What containerd gives a container when the host allows it. */
const NOFILE_WANTED = 1_048_576;
const CPU_PERIOD = 100_000;
const HOSTNAME = /^[a-zA-Z0-9]([a-zA-Z0-9.-]{0,62})$/;

/**
 * The OCI runtime-spec config.json for a container of `image` run with
 * `options`, as docker would make it: args from Entrypoint + Cmd (user
 * overrides first), env from PATH default, HOSTNAME, image Env, user env and
 * HOME (later entries win, in place), new pid/mount/uts/ipc/cgroup
 * namespaces and a network namespace unless `--network host`, docker's
 * capabilities, masked and read-only paths and mounts, the rootfs at
 * `rootfs` in the bundle, and the seccomp profile's rules for the
 * container's capabilities and this architecture. Throws InvalidArgumentError naming the flag when
 * the options or the image cannot make a container (no command, a relative
 * working dir, an unknown user).
 */
export function buildRuntimeSpec(input: RuntimeSpecInput): RuntimeSpec {
  const { options: o, image = {} } = input;
  const args = input.init !== undefined ? [INIT_PATH, "--", ...commandOf(image, o)] : commandOf(image, o);
  const user = resolveUser(o.user ?? image.User ?? "", o.user !== undefined ? "-u" : "image User", input.passwd, input.group);
  const cwd = o.workdir ?? (image.WorkingDir || "/");
  if (!cwd.startsWith("/")) throw new InvalidArgumentError(`${o.workdir !== undefined ? "-w" : "image WorkingDir"} ${cwd}: must be an absolute path`);
  const hostname = o.hostname ?? (o.network === "host" && input.hostHostname ? input.hostHostname : input.id.slice(0, 12));
  if (!HOSTNAME.test(hostname)) throw new InvalidArgumentError(`--hostname ${hostname}: not a valid hostname (letters, digits, - and ., at most 63)`);
  const env = mergeEnv([DEFAULT_PATH, `HOSTNAME=${hostname}`, ...(image.Env ?? []), ...(o.env ?? [])]);
  if (!env.some((e) => e.startsWith("HOME="))) env.push(`HOME=${user.home}`);
  const caps = effectiveCapabilities(o.capAdd, o.capDrop);
  const hard = Math.max(0, input.nofileHardLimit);
  return {
    ociVersion: "1.0.2",
    process: {
      terminal: input.terminal === true,
      user: { uid: user.uid, gid: user.gid, ...(user.additionalGids.length > 0 && { additionalGids: user.additionalGids }) },
      args,
      env,
      cwd,
      capabilities: { bounding: caps, effective: caps, permitted: caps },
      rlimits: [{ type: "RLIMIT_NOFILE", soft: Math.min(NOFILE_WANTED, hard), hard }],
      noNewPrivileges: o.noNewPrivileges === true,
    },
    root: { path: "rootfs", readonly: o.readOnly === true },
    hostname,
    mounts: [...mountsOf(o, input.etcFiles), ...(input.init !== undefined ? [{ destination: INIT_PATH, type: "bind", source: input.init, options: ["rbind", "ro"] }] : [])],
    linux: {
      namespaces: [
        ...["pid", "mount", "uts", "ipc", "cgroup"].map((type) => ({ type })),
        ...(o.network === "host" ? [] : [input.netnsPath !== undefined ? { type: "network", path: input.netnsPath } : { type: "network" }]),
      ],
      cgroupsPath: `${input.cgroupParent ?? "/berth"}/${input.id}`,
      resources: resourcesOf(o),
      maskedPaths: MASKED_PATHS,
      readonlyPaths: READONLY_PATHS,
      ...(input.seccomp && { seccomp: seccompForSpec(input.seccomp.profile, input.seccomp.source, { arch: input.seccomp.arch ?? process.arch, capabilities: caps, withoutX32: input.seccomp.isDefault === true }) }),
    },
  };
}

/** docker's rule: `--entrypoint` drops the image's Cmd; CMD args replace it. */
function commandOf(image: ContainerConfig, o: ContainerOptions): string[] {
  const entrypoint = o.entrypoint ?? image.Entrypoint ?? [];
  const cmd = o.cmd !== undefined && o.cmd.length > 0 ? o.cmd : o.entrypoint !== undefined ? [] : (image.Cmd ?? []);
  const args = [...entrypoint, ...cmd];
  if (args.length === 0 || args[0] === "") {
    throw new InvalidArgumentError("no command specified: the image has no Entrypoint or Cmd", { hint: "give a command after the image name, or --entrypoint" });
  }
  return args;
}

/** `NAME=value` entries; a later entry replaces an earlier one of the same name where that one stood. */
function mergeEnv(entries: readonly string[]): string[] {
  const byName = new Map<string, string>();
  for (const e of entries) {
    const i = e.indexOf("=");
    byName.set(i < 0 ? e : e.slice(0, i), e);
  }
  return [...byName.values()];
}

function mountsOf(o: ContainerOptions, etc: EtcFiles | undefined): SpecMount[] {
  const base: SpecMount[] = [
    { destination: "/proc", type: "proc", source: "proc", options: ["nosuid", "noexec", "nodev"] },
    { destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"] },
    { destination: "/dev/pts", type: "devpts", source: "devpts", options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"] },
    { destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"] },
    { destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: ["ro", "nosuid", "noexec", "nodev"] },
    { destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"] },
    { destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid", "noexec", "nodev", "mode=1777", "size=67108864"] },
  ];
  const tmpfs = (o.tmpfs ?? []).map((t: TmpfsMount): SpecMount => ({
    destination: t.destination, type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", "noexec", ...t.options],
  }));
  const binds = (o.binds ?? []).map((b): SpecMount => ({
    destination: b.destination, type: "bind", source: b.source, options: ["rbind", b.propagation ?? "rprivate", b.readOnly ? "ro" : "rw"],
  }));
  const user = [...tmpfs, ...binds];
  const dup = user.find((m, i) => user.findIndex((x) => x.destination === m.destination) !== i);
  if (dup !== undefined) throw new InvalidArgumentError(`${dup.destination}: mounted twice (by -v or --tmpfs)`);
  const etcMounts = etc === undefined ? [] : ([["/etc/hostname", etc.hostname], ["/etc/hosts", etc.hosts], ["/etc/resolv.conf", etc.resolvConf]] as const)
    // Read-only with the root under --read-only, as docker mounts them: else they were the one writable part of /etc.
    .map(([destination, source]): SpecMount => ({ destination, type: "bind", source, options: ["rbind", "rprivate", o.readOnly === true ? "ro" : "rw"] }));
  // A user mount over a default one (e.g. --tmpfs /dev/shm, -v …:/etc/hosts) replaces it, as in docker;
  // user mounts go shallowest first (docker's order), so /data never hides /data/logs.
  const depth = (m: SpecMount): number => m.destination.split("/").length;
  const ordered = [...user].sort((a, b) => depth(a) - depth(b));
  // The /etc files go after a volume mounted over /etc, or it would hide them.
  const underUser = (m: SpecMount): boolean => user.some((u) => m.destination.startsWith(`${u.destination}/`));
  const kept = [...base, ...etcMounts].filter((m) => !user.some((u) => u.destination === m.destination));
  return [...kept.filter((m) => !underUser(m)), ...ordered, ...kept.filter(underUser)];
}

function resourcesOf(o: ContainerOptions): SpecResources {
  return {
    devices: [{ allow: false, access: "rwm" }],
    ...(o.memory !== undefined && { memory: { limit: o.memory, swap: o.memorySwap ?? o.memory * 2 } }),
    ...(o.cpus !== undefined && { cpu: { quota: Math.round(o.cpus * CPU_PERIOD), period: CPU_PERIOD } }),
    ...(o.pidsLimit !== undefined && { pids: { limit: o.pidsLimit } }),
  };
}
