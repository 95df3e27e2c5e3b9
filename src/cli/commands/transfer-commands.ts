import { Command, Option } from "commander";
import { copy, load, pull, push, save, saveToFile } from "../../image/index.js";
import { BerthError, formatPlatform, type Platform } from "../../oci/index.js";
import type { GlobalOptions } from "../main.js";
import { imageStore } from "./image-commands.js";
import { copySpec, platformOption, transfer, withTransferOptions, type TransferFlags } from "./transfer-flags.js";

/** pull, push, copy, save, load. */
export function transferCommands(globals: () => GlobalOptions): Command[] {
  const pullCmd = withTransferOptions(new Command("pull"))
    .description("pull an image from a registry (or oci:DIR[:tag], docker-archive:FILE) into the local store and unpack it")
    .argument("<image>", "[host/]repository[:tag|@digest], oci:DIR[:tag] or docker-archive:FILE[:ref]")
    .addOption(platformOption())
    .option("-a, --all-platforms", "pull every platform of a multi-platform image")
    .option("--no-unpack", "store the blobs only, do not unpack layers")
    .action(async (image: string, flags: TransferFlags & { allPlatforms?: boolean; unpack?: boolean }) => {
      const { renderer, opts } = transfer(flags, "Downloading");
      try {
        const out = await pull(imageStore(globals()), image, { ...opts, ...(flags.allPlatforms && { allPlatforms: true }), unpack: flags.unpack !== false });
        renderer.finish();
        for (const o of out) process.stdout.write(`${o.names.join(", ")}: ${o.descriptor.digest}\n`);
      } finally {
        renderer.finish();
      }
    });

  const pushCmd = withTransferOptions(new Command("push"))
    .description("push a local image to its registry, or to DESTINATION (a reference, oci:DIR[:tag] or docker-archive:FILE)")
    .argument("<image>", "local image name or id")
    .argument("[destination]", "where to push; default the registry the name says")
    .addOption(platformOption("push only this platform's image out of a multi-platform one (default: the whole index when the store or the destination has every platform, else the platform the name was pulled for, as docker)"))
    .action(async (image: string, destination: string | undefined, flags: TransferFlags) => {
      const { renderer, opts } = transfer(flags, "Pushing");
      try {
        const r = await push(imageStore(globals()), image, destination, opts);
        renderer.finish();
        if (!flags.quiet) notePartial(image, r.platform, r.leftOut, "pushed");
        process.stdout.write(`${r.destination}: ${r.descriptor.digest}\n`);
      } finally {
        renderer.finish();
      }
    });

  const copyCmd = copySpec()
    .action(async (source: string, destination: string, flags: TransferFlags) => {
      const { renderer, opts } = transfer(flags, "Copying");
      try {
        const d = await copy(imageStore(globals()), source, destination, opts);
        renderer.finish();
        process.stdout.write(`${destination}: ${d.digest}\n`);
      } finally {
        renderer.finish();
      }
    });

  const saveCmd = new Command("save")
    .description("write images to a tar archive: docker-archive (what docker load reads) or an OCI layout; to standard output without -o")
    .argument("<images...>", "names or ids")
    .option("-o, --output <file>", "archive to write, replaced only when complete; not a symlink, FIFO or device (redirect standard output to those)")
    .addOption(new Option("--format <format>", "docker or oci").choices(["docker", "oci"]).default("docker"))
    .addOption(platformOption("save only this platform's image out of a multi-platform one (default: the platform the name was pulled for, else this machine's; "
      + "for --format oci the whole index when every platform is stored)"))
    .action(async (images: string[], flags: { output?: string; format: "docker" | "oci"; platform?: Platform }) => {
      const opts = { format: flags.format, ...(flags.platform && { platform: flags.platform }) };
      let outcome;
      if (flags.output !== undefined) outcome = await saveToFile(imageStore(globals()), images, flags.output, opts);
      else if (process.stdout.isTTY) {
        throw new BerthError("FAILED_PRECONDITION", "cowardly refusing to save to a terminal", { hint: "use the -o flag or redirect: berth save IMAGE > FILE" });
      } else {
        // Not ended: stdout is not ours to close.
        outcome = await save(imageStore(globals()), images, process.stdout, { ...opts, end: false });
      }
      for (const p of outcome.partial) notePartial(p.name, p.platform, p.leftOut, "saved");
    });

  const loadCmd = new Command("load")
    .description("load images from a docker-archive (docker save) or an OCI layout tar; from standard input without -i (an OCI layout directory: berth pull oci:DIR)")
    .option("-i, --input <file>", "archive to read; - or none for standard input")
    .option("-q, --quiet", "print nothing but errors")
    .action(async (flags: { input?: string; quiet?: boolean }) => {
      const fromStdin = flags.input === undefined || flags.input === "-";
      if (fromStdin && process.stdin.isTTY) {
        throw new BerthError("FAILED_PRECONDITION", "requested load from stdin, but stdin is a terminal", { hint: "use the -i flag or redirect: berth load < FILE" });
      }
      const out = await load(imageStore(globals()), fromStdin ? process.stdin : flags.input!);
      if (!flags.quiet) for (const o of out) for (const n of o.names) process.stdout.write(`Loaded image: ${n}\n`);
    });

  return [pullCmd, pushCmd, copyCmd, saveCmd, loadCmd];
}

/** Say on stderr that only one platform of an index went, and which the store lacked. */
function notePartial(name: string, platform: Platform | undefined, leftOut: readonly Platform[], verb: string): void {
  if (leftOut.length === 0) return;
  process.stderr.write(`berth: ${verb} ${platform ? formatPlatform(platform) : "one platform"} of ${name} only; the store lacks ${leftOut.map(formatPlatform).join(", ")} `
    + `(berth pull --all-platforms ${name} to ${verb === "pushed" ? "push" : "save"} the whole index)\n`);
}
