import { Command, Option } from "commander";
import type { ProgressListener } from "../../client/index.js";
import { InvalidArgumentError, parsePlatform, type Platform } from "../../oci/index.js";
import { ProgressRenderer, progressMode } from "../progress-renderer.js";

/** The flags pull, push and copy share, as commander gives them. */
export interface TransferFlags {
  readonly quiet?: boolean;
  readonly json?: boolean;
  readonly platform?: Platform;
  readonly insecureRegistry?: string[];
  readonly concurrency?: number;
}

/** `--platform`, described as the command applies it (default: pull's, "this machine's"). */
export const platformOption = (description = "platform to take from a multi-platform image (default: this machine's)"): Option =>
  new Option("--platform <os/arch[/variant]>", description).argParser((v) => parsePlatform(v));

const concurrencyOption = (): Option =>
  new Option("--concurrency <n>", "blobs transferred at once (default: copy 6, pull and push 3 to 6 by cores)").argParser((v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || n > 64) throw new InvalidArgumentError(`--concurrency: "${v}" is not a number from 1 to 64`);
    return n;
  });

export function withTransferOptions(c: Command): Command {
  return c
    .option("-q, --quiet", "print only the result")
    .option("--json", "print progress as JSON lines (for scripts)")
    .option("--insecure-registry <host>", "speak plain HTTP to this registry (repeatable; loopback always is)", (v: string, prev: string[] = []) => [...prev, v])
    .addOption(concurrencyOption());
}

/** What a transfer's progress goes to, and the client options the flags make. */
export interface Transfer {
  readonly renderer: ProgressRenderer;
  readonly opts: {
    /** None when quiet: the client then keeps no progress at all. */
    readonly onProgress?: ProgressListener;
    readonly insecureRegistries?: string[];
    readonly concurrency?: number;
    readonly platform?: Platform;
  };
}

/** Progress (on stderr, as `flags` ask) and the options shared by pull, push and copy. */
export function transfer(flags: TransferFlags, verb: string): Transfer {
  const mode = progressMode(flags);
  const renderer = new ProgressRenderer(mode, () => process.stderr, verb);
  const opts = {
    ...(mode !== "quiet" && { onProgress: renderer.listener }),
    ...(flags.insecureRegistry && { insecureRegistries: flags.insecureRegistry }),
    ...(flags.concurrency && { concurrency: flags.concurrency }),
    ...(flags.platform && { platform: flags.platform }),
  };
  return { renderer, opts };
}

/**
 * `berth copy [OPTIONS] SOURCE DESTINATION` as the command line reads it,
 * without its action: the whole CLI's `copy` (transfer-commands.ts) and the
 * copy client (copy-client.ts) parse it alike.
 */
export function copySpec(): Command {
  return withTransferOptions(new Command("copy"))
    .description("copy an image between registries (streamed, cross-repository mount, nothing unpacked), or to/from oci:DIR and docker-archive:FILE")
    .argument("<source>", "reference, oci:DIR[:tag] or docker-archive:FILE[:ref]")
    .argument("<destination>", "reference, oci:DIR[:tag] or docker-archive:FILE[:ref]")
    // Every platform by default, as crane copies and as mirroring wants (skopeo needs --all for it).
    .addOption(platformOption("copy only this platform's image out of a multi-platform one (default: every platform; into docker-archive:, which holds one, this machine's)"));
}
