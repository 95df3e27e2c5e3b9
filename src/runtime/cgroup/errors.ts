import { BerthError } from "../../oci/index.js";

/** The cgroup a reader was pointed at does not exist (never made, or already removed by `runc delete`). */
export class CgroupNotFoundError extends BerthError {
  constructor(readonly dir: string, cause?: unknown) {
    super("NOT_FOUND", `cgroup ${dir}: no such directory`, {
      cause,
      hint: "the container is not running or was deleted; read stats and OOM state before `runc delete` removes its cgroup",
    });
  }
}

/** A cgroup or /proc file did not have the kernel's format. */
export class CgroupFormatError extends BerthError {
  constructor(readonly file: string, detail: string) {
    super("FAILED_PRECONDITION", `${file}: ${detail}`, {
      hint: "the kernel wrote a format berth does not know, or the path is not a cgroup/procfs file",
    });
  }
}

/** No cgroup filesystem is mounted where this process can see it. */
export class CgroupUnavailableError extends BerthError {
  constructor(detail: string) {
    super("UNAVAILABLE", `cgroups: ${detail}`, {
      hint: "mount cgroup2 on /sys/fs/cgroup (or the v1 controllers under it), as systemd and docker expect",
    });
  }
}

/** runc does not know the container (wrong id or root, or it was deleted). */
export class ContainerNotRunningError extends BerthError {
  constructor(readonly containerId: string, detail: string) {
    super("NOT_FOUND", `container ${containerId.slice(0, 12)}: ${detail}`, { hint: "check the id and the runc root (`runc --root ROOT list`)" });
  }
}
