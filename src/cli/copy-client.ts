import { copyImage } from "../client/index.js";
import { parseImageLocation } from "../image/index.js";
import type { Reference } from "../oci/index.js";
import { readClientCommandLine } from "./client-command-line.js";
import { copySpec, transfer, type TransferFlags } from "./commands/transfer-flags.js";
import { exitCodeFor } from "./exit-codes.js";
import { printError } from "./print-error.js";

/**
 * `berth copy` from one registry to another: the entry of its own bundle
 * (berth-copy-client.cjs, see scripts/bundle.mjs), which the launcher loads
 * before the whole transfer commands' bundle. Registry to registry, copy needs
 * the registry client alone; the image store, the unpacker and the archive
 * readers are most of the whole bundle's code (a copy that fails at once took
 * 41 ms with it, 37 without). It reads the command line as
 * `copy` does and copies as `copy` does (the same copyImage, the same output,
 * the same errors and exit codes). Resolves undefined when the whole command
 * must do it, having printed nothing: help, a usage error, or an `oci:` or
 * `docker-archive:` location on either side.
 */
export async function main(argv: readonly string[]): Promise<number | undefined> {
  const line = await readClientCommandLine<TransferFlags>(copySpec(), argv);
  if (line === undefined) return undefined;
  const [source, destination] = line.args as [string, string];
  const refs = registryPair(source, destination);
  if (refs === undefined) return undefined;
  const { renderer, opts } = transfer(line.flags, "Copying");
  try {
    const { descriptor } = await copyImage(refs[0], refs[1], opts);
    renderer.finish();
    process.stdout.write(`${destination}: ${descriptor.digest}\n`);
    return 0;
  } catch (e) {
    renderer.finish();
    printError(e, line.globals.debug === true);
    return exitCodeFor(e);
  }
}

/** Both references when both locations are registries; undefined for any other pair, or one `copy` must refuse. */
function registryPair(source: string, destination: string): [Reference, Reference] | undefined {
  try {
    const src = parseImageLocation(source);
    const dest = parseImageLocation(destination);
    return src.kind === "registry" && dest.kind === "registry" ? [src.ref, dest.ref] : undefined;
  } catch {
    return undefined;
  }
}
