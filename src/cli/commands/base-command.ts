import { Command } from "commander";
import type { GlobalOptions } from "../main.js";
import { formatBytes } from "../format.js";
import { imageStore } from "./image-commands.js";

// Loaded when the command runs: the build layer pulls in yaml and zod, which
// every other command would otherwise pay for at start-up.
const buildLayer = (): Promise<typeof import("../../build/index.js")> => import("../../build/index.js");

interface BaseBuildFlags {
  readonly tag: string;
  readonly mirror?: string;
  readonly lock?: string;
  readonly updateLock?: boolean;
  readonly quiet?: boolean;
}

/** `berth base build SPEC -t REF`: distroless base images from Debian packages. */
export function baseCommand(globals: () => GlobalOptions): Command {
  const cmd = new Command("base").description("build base images from Debian packages");
  cmd
    .command("build")
    .description("build a distroless base image from a YAML spec (suite, packages, user, entrypoint, env, labels)")
    .argument("<spec>", "YAML spec file; its lock is <spec>.lock unless --lock is given")
    .requiredOption("-t, --tag <ref>", "name for the image in the local store")
    .option("--mirror <url>", "Debian mirror base URL (default: the spec's mirror, else this machine's apt sources)")
    .option("--lock <file>", "lock file to read and write (default <spec>.lock)")
    .option("--update-lock", "resolve packages again and rewrite the lock")
    .option("-q, --quiet", "print only the image digest")
    .addHelpText("after", [
      "",
      "With a lock the build reads no package index and is byte-identical (same digest) on any day:",
      "timestamps come from the lock's sourceDateEpoch (SOURCE_DATE_EPOCH when the lock is made, else 0).",
      "Downloads are cached under <root>/build-cache, so a rebuild from a lock runs offline.",
      "See docs/build.md for the spec fields.",
    ].join("\n"))
    .action(async (spec: string, flags: BaseBuildFlags) => {
      const { buildBase } = await buildLayer();
      const started = Date.now();
      const built = await buildBase(imageStore(globals()), spec, {
        reference: flags.tag,
        ...(flags.mirror && { mirror: flags.mirror }),
        ...(flags.lock && { lockPath: flags.lock }),
        ...(flags.updateLock && { updateLock: true }),
        ...(!flags.quiet && { onProgress: (l: string) => process.stderr.write(`${l}\n`) }),
      });
      if (!flags.quiet) {
        const size = built.layers.reduce((n, l) => n + l.descriptor.size, 0);
        const raw = built.layers.reduce((n, l) => n + l.uncompressedSize, 0);
        process.stderr.write(`${built.name}: ${built.packages.length} packages, ${formatBytes(size)} compressed (${formatBytes(raw)} unpacked), ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
      }
      process.stdout.write(`${built.descriptor.digest}\n`);
    });
  return cmd;
}
