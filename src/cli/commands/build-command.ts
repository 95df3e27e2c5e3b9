import { createWriteStream } from "node:fs";
import { access } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { Command, Option } from "commander";
import { fullName, push, save } from "../../image/index.js";
import { InvalidArgumentError } from "../../oci/index.js";
import { formatBytes } from "../format.js";
import type { GlobalOptions } from "../main.js";
import { collect } from "./container-cli.js";
import { imageStore } from "./image-commands.js";

// Loaded when the command runs, as `berth base` does: the build layer pulls in yaml and zod.
const builders = (): Promise<typeof import("../../build/index.js")> => import("../../build/index.js");

interface BuildFlags {
  readonly tag: string[];
  readonly file?: string;
  readonly cache: boolean;
  readonly progress: "plain" | "auto" | "quiet";
  readonly expose: string[];
  readonly mirror?: string;
  readonly quiet?: boolean;
  readonly buildArg: string[];
  readonly target?: string;
  readonly network?: "default" | "host" | "none";
  readonly output?: string;
  readonly push?: boolean;
  readonly hostTrust: boolean;
}

const DOCKERFILES = ["Dockerfile", "Containerfile", "dockerfile"];

/**
 * `berth build [PATH]`: with a Dockerfile (`-f`, or one in PATH) a
 * Dockerfile build (docker build's flags); without one, a Node.js project
 * (package.json) into a distroless image. Steps on stderr, the image
 * digest on stdout.
 */
export function buildCommand(globals: () => GlobalOptions): Command {
  return new Command("build")
    .description("build an image from a Dockerfile, or from a Node.js project with no Dockerfile")
    .argument("[path]", "the build context", ".")
    .option("-t, --tag <ref>", "name for the image (repeatable; default localhost/<dir or package name>:latest)", collect, [])
    .option("-f, --file <Dockerfile>", "the Dockerfile (default PATH/Dockerfile, else PATH/Containerfile)")
    .option("--build-arg <name=value>", "set a build-time variable declared with ARG (repeatable; NAME alone takes it from the environment)", collect, [])
    .option("--target <stage>", "build up to this stage of a multi-stage Dockerfile")
    .option("--no-cache", "run every step again (Node builds: npm ci again and rebuild the base from its lock)")
    .addOption(new Option("--network <mode>", "network of RUN steps").choices(["default", "host", "none"]))
    .option("--no-host-trust", "do not mount the host's CA bundle (SSL_CERT_FILE, NODE_EXTRA_CA_CERTS) into RUN steps")
    .option("--output <spec>", "also write the image out: type=oci,dest=FILE or type=docker,dest=FILE")
    .option("--push", "push the image to the registry its name says after the build")
    .addOption(new Option("--progress <type>", "step output").choices(["plain", "auto", "quiet"]).default("auto"))
    .option("--expose <port>", "Node builds: add an exposed port, PORT[/tcp|udp] (repeatable)", collect, [])
    .option("--mirror <url>", "Node builds: Debian mirror for the first build of the node base (default this machine's apt sources)")
    .option("-q, --quiet", "print only the image digest (same as --progress quiet)")
    .addHelpText("after", [
      "",
      "Dockerfile builds: the instructions docker's builder knows (FROM … AS, ARG, ENV, LABEL, WORKDIR, USER,",
      "COPY/ADD with --from/--chown/--chmod, RUN in shell and exec form and heredocs, EXPOSE, VOLUME, CMD,",
      "ENTRYPOINT, HEALTHCHECK, STOPSIGNAL, SHELL, ONBUILD), .dockerignore, multi-stage builds that skip what",
      "the target does not need, and a step cache. RUN steps run in runc containers (needs root) on the host's",
      "network by default, with the host's proxy variables and CA bundle for the step only. See docs/build.md.",
      "",
      "Node builds (no Dockerfile): the node base (Debian's nodejs, ca-certificates, tzdata; user 65532; built",
      "once, locked under <root>/build-cache/node-base/), /app/node_modules from `npm ci --omit=dev` on this",
      "machine, then the app's files at /app (.dockerignore, else .gitignore; node_modules, .git, .env*, *.pem,",
      "id_rsa* never, unless a ! line names them). See docs/build-node.md.",
    ].join("\n"))
    .action(async (path: string, flags: BuildFlags) => {
      const quiet = flags.quiet === true || flags.progress === "quiet";
      const onProgress = quiet ? undefined : (l: string): void => void process.stderr.write(`${l}\n`);
      const dockerfile = flags.file ?? (await firstExisting(DOCKERFILES.map((f) => join(path, f))));
      const store = imageStore(globals());
      const output = flags.output === undefined ? undefined : parseOutput(flags.output);
      let digest: string;
      let name: string;
      if (dockerfile !== undefined) {
        const { buildDockerfile } = await builders();
        const built = await buildDockerfile(store, path, {
          dockerfile, tags: flags.tag, buildArgs: parseBuildArgs(flags.buildArg),
          ...(flags.target && { target: flags.target }),
          ...(!flags.cache && { noCache: true }),
          ...(flags.network !== undefined && flags.network !== "default" && { network: flags.network }),
          hostTrust: flags.hostTrust,
          ...(onProgress && { onProgress }),
        });
        digest = built.descriptor.digest;
        name = built.names[0]!;
        if (!quiet) {
          const cached = built.steps.filter((s) => s.isCached).length;
          process.stderr.write(`Built ${built.names.join(", ")}: ${built.steps.length} steps (${cached} cached), ${(built.steps.reduce((n, s) => n + s.ms, 0) / 1000).toFixed(1)}s\n`);
        }
      } else {
        const { buildNodeApp } = await builders();
        const built = await buildNodeApp(store, path, {
          ...(flags.tag[0] && { reference: flags.tag[0] }),
          ...(!flags.cache && { noCache: true }),
          expose: flags.expose,
          // The new layers are unpacked by the first `berth run` (it unpacks what is missing): a rebuild writes blobs only.
          unpack: false,
          ...(flags.mirror && { mirror: flags.mirror }),
          ...(onProgress && { onProgress }),
        });
        for (const t of flags.tag.slice(1)) await store.setName(fullName(t).name, built.descriptor);
        digest = built.descriptor.digest;
        name = built.name;
        if (!quiet) {
          const layers = [built.dependencies, built.app].filter((l) => l !== undefined);
          const total = built.steps.reduce((n, s) => n + s.ms, 0);
          process.stderr.write(`Built ${built.name}: app layer ${formatBytes(built.app.descriptor.size)}${built.dependencies ? `, dependencies ${formatBytes(built.dependencies.descriptor.size)}` : ""} (${layers.length} layers over the base), ${(total / 1000).toFixed(1)}s\n`);
        }
      }
      if (output !== undefined) {
        await pipeline(Readable.from([]), createWriteStream(output.dest)); // create/truncate first, so a bad path fails before the export
        const out = createWriteStream(output.dest);
        await save(store, [name], out, { format: output.type });
        onProgress?.(`wrote ${output.type === "oci" ? "an OCI layout" : "a docker-archive"} to ${output.dest}`);
      }
      if (flags.push === true) {
        const pushed = await push(store, name);
        onProgress?.(`pushed ${pushed.destination}@${pushed.descriptor.digest}`);
      }
      process.stdout.write(`${digest}\n`);
    });
}

/** `--build-arg NAME=value`, or `NAME` alone for the value in berth's environment (skipped when unset, as docker). */
export function parseBuildArgs(args: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of args) {
    const i = a.indexOf("=");
    const name = i < 0 ? a : a.slice(0, i);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new InvalidArgumentError(`--build-arg ${JSON.stringify(a)}: expected NAME=value with NAME a variable name`);
    if (i >= 0) out[name] = a.slice(i + 1);
    else if (process.env[name] !== undefined) out[name] = process.env[name]!;
  }
  return out;
}

/** `--output type=oci,dest=FILE` (or type=docker, or a bare path as dest for type=oci). */
export function parseOutput(spec: string): { type: "oci" | "docker"; dest: string } {
  const fields = new Map(spec.split(",").map((kv) => {
    const i = kv.indexOf("=");
    return i < 0 ? ["dest", kv] : [kv.slice(0, i).trim(), kv.slice(i + 1)];
  }));
  const type = fields.get("type") ?? "oci";
  const dest = fields.get("dest");
  if ((type !== "oci" && type !== "docker") || dest === undefined || dest === "") {
    throw new InvalidArgumentError(`--output ${JSON.stringify(spec)}: expected type=oci,dest=FILE or type=docker,dest=FILE`);
  }
  return { type, dest };
}

const firstExisting = async (paths: readonly string[]): Promise<string | undefined> => {
  for (const p of paths) if (await access(p).then(() => true, () => false)) return p;
  return undefined;
};
