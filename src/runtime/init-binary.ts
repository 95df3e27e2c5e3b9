import { access, constants } from "node:fs/promises";
import { BerthError } from "../oci/index.js";

/**
 * Static init programs a container can run as pid 1 whatever its libc:
 * Debian's tini-static (docker's docker-init is tini too).
 */
const CANDIDATES = ["/usr/bin/tini-static", "/usr/libexec/docker/docker-init", "/usr/bin/docker-init"];

/** The host path of a static init for `--init`; throws when none is installed. */
export async function initBinary(): Promise<string> {
  for (const c of CANDIDATES) {
    if (await access(c, constants.X_OK).then(() => true, () => false)) return c;
  }
  throw new BerthError("FAILED_PRECONDITION", "--init: no static init program on this host", { hint: "apt-get install tini (berth uses /usr/bin/tini-static)" });
}
