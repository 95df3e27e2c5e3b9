import { Command } from "commander";
import { ImageStore, pruneImages, type ImagePruneFilter, type LabelTest, type PruneImagesResult } from "../../image/index.js";
import { BerthError, InvalidArgumentError } from "../../oci/index.js";
import { imageUsers, parseLogTime, RuntimeContext } from "../../runtime/index.js";
import { resolveBerthRoot } from "../berth-root.js";
import { confirm } from "../confirm.js";
import { formatBytes } from "../format.js";
import type { GlobalOptions } from "../main.js";
import { collect } from "./container-cli.js";

/** docker's question before `image prune -a` (its prune without -a asks too; berth's never does, it removes no name). */
const ALL_WARNING = "WARNING! This will remove all images without at least one container associated to them.\nAre you sure you want to continue? [y/N] ";

const FILTER_KEYS = "until=TIMESTAMP|DURATION, label=KEY[=VALUE], label!=KEY[=VALUE]";

/**
 * Parse `--filter` values as docker's image prune reads them: `until=` (once;
 * a duration before now, unix seconds or an RFC 3339 time, as logs --until),
 * `label=K[=V]` (every one must match) and `label!=K[=V]`.
 */
export function parseImagePruneFilter(values: readonly string[], now = new Date()): ImagePruneFilter {
  let until: Date | undefined;
  const labels: LabelTest[] = [];
  const notLabels: LabelTest[] = [];
  for (const f of values) {
    const i = f.indexOf("=");
    const key = i < 0 ? f : f.slice(0, i);
    const value = f.slice(i + 1);
    if (i < 1 || (key !== "until" && key !== "label" && key !== "label!")) {
      throw new InvalidArgumentError(`--filter ${f}: not an image prune filter`, { hint: `give ${FILTER_KEYS}` });
    }
    if (key === "until") {
      if (until !== undefined) throw new InvalidArgumentError(`--filter ${f}: until is given twice`, { hint: "give one until=" });
      until = parseLogTime(value, now, "filter until");
      continue;
    }
    const eq = value.indexOf("=");
    const test: LabelTest = eq < 0 ? { key: value } : { key: value.slice(0, eq), value: value.slice(eq + 1) };
    if (test.key === "") throw new InvalidArgumentError(`--filter ${f}: the label key is empty`, { hint: "e.g. label=com.example.stage=dev" });
    (key === "label" ? labels : notLabels).push(test);
  }
  return { ...(until !== undefined && { until }), labels, notLabels };
}

/** docker's prune report: `Deleted Images:`, `untagged:`/`deleted:` lines, a blank line; berth's unpacked-layer count; the space. */
function renderPrune(r: PruneImagesResult, dryRun: boolean): string {
  const lines: string[] = [];
  const untag = dryRun ? "would untag" : "untagged";
  const del = dryRun ? "would delete" : "deleted";
  for (const image of r.images) {
    lines.push(...image.untagged.map((n) => `${untag}: ${n}`), ...image.deleted.map((b) => `${del}: ${b.digest}`));
  }
  lines.push(...r.deleted.map((b) => `${del}: ${b.digest}`));
  let out = lines.length === 0 ? "" : dryRun ? `${lines.join("\n")}\n` : `Deleted Images:\n${lines.join("\n")}\n\n`;
  if (r.snapshotsRemoved.length > 0) out += `removed ${r.snapshotsRemoved.length} unpacked layers\n`;
  return `${out}Total reclaimed space: ${formatBytes(r.bytesFreed)}\n`;
}

/** `berth image prune [-a] [-f] [--filter …] [--dry-run]`. */
export function imagePruneCommand(globals: () => GlobalOptions): Command {
  return new Command("prune")
    .description("remove what no image name and no container reaches (docker's dangling images), without asking; "
      + "with -a, every image no container uses too, after asking (-f skips the question)")
    .option("-a, --all", "also remove the names of every image no container uses, then their content; an image a container uses (running or stopped) keeps one name and all its content, "
      + "as in docker, where its other names go")
    .option("-f, --force", "do not ask before -a (berth's prune without -a never asks)")
    .option("--filter <filter>", `with -a, only the images that pass: ${FILTER_KEYS} (repeatable)`, collect, [])
    .option("--dry-run", "print what would be removed, remove nothing")
    .action(async (opts: { all?: boolean; force?: boolean; filter: string[]; dryRun?: boolean }) => {
      const filter = parseImagePruneFilter(opts.filter);
      if (!opts.all && opts.filter.length > 0) {
        throw new InvalidArgumentError("image prune --filter: berth filters only the named images of -a", {
          hint: "add -a to remove the named images that pass the filter; without it prune removes only what no name reaches",
        });
      }
      if (opts.all && !opts.force && !opts.dryRun && !(await confirm(ALL_WARNING))) {
        throw new BerthError("CANCELLED", "image prune cancelled: nothing was removed", { hint: "answer y, or pass -f to skip the question" });
      }
      const store = new ImageStore(resolveBerthRoot(globals().root));
      const users = await imageUsers(new RuntimeContext(store));
      const r = await pruneImages(store, { all: opts.all === true, filter, users, dryRun: opts.dryRun === true });
      process.stdout.write(renderPrune(r, opts.dryRun === true));
    });
}
