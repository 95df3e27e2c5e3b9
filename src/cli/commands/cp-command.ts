import { Command } from "commander";
import { InvalidArgumentError } from "../../oci/index.js";
import { copyFromContainer, copyToContainer } from "../../runtime/index.js";
import type { GlobalOptions } from "../main.js";
import { runtimeOf } from "./container-cli.js";

/** `CONTAINER:PATH` → its parts; a plain host path (or `-`) → undefined. */
function containerPath(arg: string): { container: string; path: string } | undefined {
  if (arg.startsWith("/") || arg.startsWith(".") || arg === "-") return undefined;
  const i = arg.indexOf(":");
  if (i <= 0) return undefined;
  return { container: arg.slice(0, i), path: arg.slice(i + 1) || "/" };
}

/**
 * `berth cp` as docker's: one side `CONTAINER:PATH`, the other a host path,
 * or `-` for a tar stream on stdin/stdout. Works on running and stopped
 * containers, on their files as the container sees them: the writable
 * layer and the image below it, and the volumes and bind mounts over them
 * (read and written at their host sources), /etc/hosts and its siblings too.
 */
export function cpCommand(globals: () => GlobalOptions): Command {
  return new Command("cp")
    .description("copy files between a container and the host: CONTAINER:SRC DEST, or SRC CONTAINER:DEST (- for a tar stream)")
    .argument("<source>", "CONTAINER:PATH, a host path, or - (a tar on stdin)")
    .argument("<destination>", "CONTAINER:PATH, a host path, or - (a tar on stdout)")
    .option("-L, --follow-link", "follow a symlink at the source path")
    .option("-a, --archive", "keep the files' uid/gid: without it, files copied out of a container are yours (files copied in keep theirs)")
    .action(async (source: string, destination: string, o: { followLink?: boolean; archive?: boolean }) => {
      const from = containerPath(source);
      const to = containerPath(destination);
      if ((from === undefined) === (to === undefined)) {
        throw new InvalidArgumentError(`cp ${source} ${destination}: exactly one side must be CONTAINER:PATH`, { hint: "e.g. berth cp web:/etc/hosts ./hosts" });
      }
      const rt = runtimeOf(globals);
      const opts = { ...(o.followLink && { followLink: true }), ...(o.archive && { preserveOwner: true }) };
      if (from !== undefined) {
        await rt.withCopyRoot(from.container, (root) =>
          copyFromContainer(root, from.path, destination === "-" ? process.stdout : destination, { ...opts, end: false }));
      } else {
        await rt.withCopyRoot(to!.container, (root) => copyToContainer(root, to!.path, source === "-" ? process.stdin : source, opts));
      }
    });
}
