import { Command, Option } from "commander";
import { formatBytes } from "../format.js";
import type { GlobalOptions } from "../main.js";
import { collect } from "./container-cli.js";
import { imageStore } from "./image-commands.js";

// Loaded when the command runs, as `berth base` does: the build layer pulls in yaml and zod.
const nodeApp = (): Promise<typeof import("../../build/index.js")> => import("../../build/index.js");

interface BuildFlags {
  readonly tag?: string;
  readonly file?: string;
  readonly cache: boolean;
  readonly progress: "plain" | "auto" | "quiet";
  readonly expose: string[];
  readonly mirror?: string;
  readonly quiet?: boolean;
}

/**
 * `berth build [PATH] [-t REF] [--no-cache] [--progress plain] [--expose PORT]`:
 * a Node.js project (package.json, no Dockerfile) into a distroless image in
 * the local store. Steps on stderr, the image digest on stdout.
 */
export function buildCommand(globals: () => GlobalOptions): Command {
  return new Command("build")
    .description("build an image from a Node.js project (package.json, no Dockerfile needed)")
    .argument("[path]", "the project directory (build context)", ".")
    .option("-t, --tag <ref>", "name for the image (default localhost/<package name>:latest)")
    .option("-f, --file <Dockerfile>", "a Dockerfile (not implemented yet: refused)")
    .option("--no-cache", "run npm ci again and rebuild the base from its lock")
    .addOption(new Option("--progress <type>", "step output").choices(["plain", "auto", "quiet"]).default("auto"))
    .option("--expose <port>", "add an exposed port, PORT[/tcp|udp] (repeatable)", collect, [])
    .option("--mirror <url>", "Debian mirror for the first build of the node base (default this machine's apt sources)")
    .option("-q, --quiet", "print only the image digest (same as --progress quiet)")
    .addHelpText("after", [
      "",
      "Layers: the node base (Debian's nodejs, ca-certificates, tzdata; user 65532; built once, locked under",
      "<root>/build-cache/node-base/), /app/node_modules from `npm ci --omit=dev` on this machine (cached by",
      "package.json's dependency fields + lockfile + base), then the app's files at /app (.dockerignore, else",
      ".gitignore; node_modules, .git, .env*, *.pem, id_rsa* never, unless a ! line names them).",
      "Cmd: package.json main, else the first bin, else a start script `node FILE …`. Timestamps from",
      "SOURCE_DATE_EPOCH, else the base lock: an unchanged project rebuilds to the same digest. See docs/build-node.md.",
    ].join("\n"))
    .action(async (path: string, flags: BuildFlags) => {
      const { buildNodeApp, DockerfileNotSupportedError } = await nodeApp();
      if (flags.file !== undefined) throw new DockerfileNotSupportedError(flags.file);
      const quiet = flags.quiet === true || flags.progress === "quiet";
      const built = await buildNodeApp(imageStore(globals()), path, {
        ...(flags.tag && { reference: flags.tag }),
        ...(!flags.cache && { noCache: true }),
        expose: flags.expose,
        ...(flags.mirror && { mirror: flags.mirror }),
        ...(!quiet && { onProgress: (l: string) => process.stderr.write(`${l}\n`) }),
      });
      if (!quiet) {
        const layers = [built.dependencies, built.app].filter((l) => l !== undefined);
        const total = built.steps.reduce((n, s) => n + s.ms, 0);
        process.stderr.write(`Built ${built.name}: app layer ${formatBytes(built.app.descriptor.size)}${built.dependencies ? `, dependencies ${formatBytes(built.dependencies.descriptor.size)}` : ""} (${layers.length} layers over the base), ${(total / 1000).toFixed(1)}s\n`);
      }
      process.stdout.write(`${built.descriptor.digest}\n`);
    });
}
