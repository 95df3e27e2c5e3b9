import { Command, Option } from "commander";
import { copy, load, pull, push, saveToFile } from "../../image/index.js";
import type { Platform } from "../../oci/index.js";
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
    .action(async (image: string, destination: string | undefined, flags: TransferFlags) => {
      const { renderer, opts } = transfer(flags, "Pushing");
      try {
        const r = await push(imageStore(globals()), image, destination, opts);
        renderer.finish();
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
    .description("write images to a tar archive: docker-archive (what docker load reads) or an OCI layout")
    .argument("<images...>", "names or ids")
    .requiredOption("-o, --output <file>", "archive to write, replaced only when complete; not a symlink, FIFO or device")
    .addOption(new Option("--format <format>", "docker or oci").choices(["docker", "oci"]).default("docker"))
    .addOption(platformOption())
    .action(async (images: string[], flags: { output: string; format: "docker" | "oci"; platform?: Platform }) => {
      await saveToFile(imageStore(globals()), images, flags.output, { format: flags.format, ...(flags.platform && { platform: flags.platform }) });
    });

  const loadCmd = new Command("load")
    .description("load images from a docker-archive (docker save) or an OCI layout tar")
    .requiredOption("-i, --input <file>", "archive to read")
    .option("-q, --quiet", "print nothing but errors")
    .action(async (flags: { input: string; quiet?: boolean }) => {
      const out = await load(imageStore(globals()), flags.input);
      if (!flags.quiet) for (const o of out) for (const n of o.names) process.stdout.write(`Loaded image: ${n}\n`);
    });

  return [pullCmd, pushCmd, copyCmd, saveCmd, loadCmd];
}
