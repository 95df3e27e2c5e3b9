import { Command } from "commander";
import { BerthError, InvalidArgumentError } from "../../oci/index.js";
import { parseLabels, RuntimeContext, type VolumeStore } from "../../runtime/index.js";
import { formatBytes } from "../format.js";
import { inspectEach } from "../inspect-each.js";
import { INSPECT_FORMAT_FLAG, parseInspectFormat } from "../inspect-format.js";
import type { GlobalOptions } from "../main.js";
import { renderTable } from "../table.js";
import { collect } from "./container-cli.js";
import { imageStore } from "./image-commands.js";
import { throwAll } from "../print-error.js";
import { confirm } from "../confirm.js";


const PRUNE_WARNING = "WARNING! This will remove all local volumes not used by at least one container.\nAre you sure you want to continue? [y/N] ";

/**
 * `berth volume create|ls|inspect|rm|prune`, docker's names, flags and
 * output, over the VolumeStore of the berth root (`--root`). Errors are
 * thrown to main, which prints them with their hint and picks the exit code.
 */
export function volumeCommand(globals: () => GlobalOptions): Command {
  // The runtime's view of the store: a claim whose container is gone (lost in a crash) does not keep a volume
  // in use. rm -f cannot override a claim, so without this such a volume could never be removed.
  const store = (): VolumeStore => new RuntimeContext(imageStore(globals())).volumes();
  const volume = new Command("volume").description("manage volumes: named storage that outlives containers");

  volume.addCommand(new Command("create").description("create a volume (a random 64-hex name when NAME is absent) and print its name")
    .argument("[name]", "volume name: a letter or digit, then letters, digits, _ . - (at least 2 characters)")
    .option("--label <key=value>", "set a label on the volume (repeatable)", collect, [])
    .option("-d, --driver <driver>", "volume driver; only local exists", "local")
    .action(async (name: string | undefined, opts: { label: string[]; driver: string }) => {
      if (opts.driver !== "local") throw new InvalidArgumentError(`--driver ${opts.driver}: only the local driver exists`);
      const v = await store().create(name, { labels: parseLabels(opts.label, "--label") });
      process.stdout.write(`${v.Name}\n`);
    }));

  volume.addCommand(new Command("ls").alias("list").description("list volumes, sorted by name")
    .option("-q, --quiet", "print volume names only")
    .action(async (opts: { quiet?: boolean }) => {
      const volumes = await store().list();
      process.stdout.write(opts.quiet
        ? volumes.map((v) => `${v.Name}\n`).join("")
        : renderTable(["DRIVER", "VOLUME NAME"], volumes.map((v) => [v.Driver, v.Name])));
    }));

  volume.addCommand(new Command("inspect").description("show volumes as docker's JSON array, or each through a Go template (-f)")
    .argument("<names...>", "volume names")
    .option(...INSPECT_FORMAT_FLAG)
    .action(async (names: string[], opts: { format?: string }) => {
      const format = parseInspectFormat(opts.format);
      const s = store();
      await inspectEach("volume", names, format, (n) => s.inspect(n));
    }));

  volume.addCommand(new Command("rm").alias("remove").description("remove volumes and their data; each removed name is printed. A volume any container uses, running or stopped, is refused: remove the container first")
    .argument("<names...>", "volume names")
    .option("-f, --force", "a missing volume is no error; a volume a container uses (running or stopped) is still refused, as in docker")
    .action(async (names: string[], opts: { force?: boolean }) => {
      const s = store();
      const failures: unknown[] = [];
      for (const n of names) {
        await s.remove(n, { force: opts.force === true }).then(() => process.stdout.write(`${n}\n`), (e: unknown) => failures.push(e));
      }
      throwAll(failures);
    }));

  volume.addCommand(new Command("prune").description("remove every volume no container uses; a stopped container's volumes stay")
    .option("-f, --force", "do not ask for confirmation")
    .action(async (opts: { force?: boolean }) => {
      if (!opts.force && !(await confirm(PRUNE_WARNING))) {
        throw new BerthError("CANCELLED", "volume prune cancelled: nothing was removed", { hint: "answer y, or pass -f to skip the question" });
      }
      const r = await store().prune();
      if (r.removed.length > 0) process.stdout.write(`Deleted Volumes:\n${r.removed.map((n) => `${n}\n`).join("")}\n`);
      process.stdout.write(`Total reclaimed space: ${formatBytes(r.bytesReclaimed)}\n`);
    }));

  return volume;
}
