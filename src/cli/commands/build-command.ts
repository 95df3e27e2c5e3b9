import { constants, createWriteStream } from "node:fs";
import { access, mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, posix, resolve } from "node:path";
import { addAbortSignal } from "node:stream";
import { pipeline } from "node:stream/promises";
import { Command, Option } from "commander";
import { daemonPaths, DaemonClient, DaemonNotRunningError, isMissingRoute } from "../../api/index.js";
import type { BuildImageRequest, BuiltImage } from "../../build/index.js";
import type { ImageStore } from "../../image/index.js";
import { BerthError, InvalidArgumentError } from "../../oci/index.js";
import { resolveBerthRoot } from "../berth-root.js";
import { setRunPath } from "../run-path.js";
import { untilInterrupted } from "../until-interrupted.js";
import { formatBytes } from "../format.js";
import type { GlobalOptions } from "../main.js";
import { collect } from "./container-cli.js";

// Loaded when the build runs in this process, or an image is written out or pushed: a build
// handed to the daemon initialises neither the builders nor the image store's registry client.
const builders = (): Promise<typeof import("../../build/index.js")> => import("../../build/index.js");
const images = (): Promise<typeof import("../../image/index.js")> => import("../../image/index.js");

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

/**
 * `berth build [PATH]`: with a Dockerfile (`-f`, or one in PATH) a
 * Dockerfile build (docker build's flags); without one, a Node.js project
 * (package.json) into a distroless image. Steps on stderr, the image
 * digest on stdout.
 */
export function buildCommand(globals: () => GlobalOptions): Command {
  return new Command("build")
    .description("build an image from a Dockerfile, or from a Node.js project with no Dockerfile")
    .argument("[path]", "the build context (- reads a tar of it, or a lone Dockerfile, from stdin)", ".")
    .option("-t, --tag <ref>", "name for the image (repeatable; default localhost/<dir or package name>:latest)", collect, [])
    .option("-f, --file <Dockerfile>", "the Dockerfile (default PATH/Dockerfile, else PATH/Containerfile; - reads it from stdin)")
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
      const output = flags.output === undefined ? undefined : parseOutput(flags.output);
      if (output !== undefined) await checkOutputDest(output.dest);
      const source = (signal: AbortSignal): Promise<BuildSource> => buildSource(path, flags.file, signal);
      await buildAndWrite(globals, source, requestOf(flags), { quiet, output, push: flags.push === true, ...(onProgress && { onProgress }) });
    });
}

/** The request's fields that come from flags alone (the context and Dockerfile come from {@link buildSource}). */
function requestOf(flags: BuildFlags): Omit<BuildImageRequest, "context" | "dockerfile" | "dockerfileText"> {
  return {
    tags: flags.tag,
    buildArgs: parseBuildArgs(flags.buildArg),
    ...(flags.target && { target: flags.target }),
    ...(!flags.cache && { noCache: true }),
    ...(flags.network !== undefined && flags.network !== "default" && { network: flags.network }),
    hostTrust: flags.hostTrust,
    expose: flags.expose,
    ...(flags.mirror && { mirror: flags.mirror }),
    env: Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined)),
  };
}

interface WriteOptions {
  readonly quiet: boolean;
  readonly onProgress?: (line: string) => void;
  readonly output: { type: "oci" | "docker"; dest: string } | undefined;
  readonly push: boolean;
}

/**
 * Read the source, build (in the daemon when one runs, else here), then
 * write the image out and push it as asked; the digest on stdout.
 */
async function buildAndWrite(
  globals: () => GlobalOptions,
  sourceOf: (signal: AbortSignal) => Promise<BuildSource>,
  fields: ReturnType<typeof requestOf>,
  o: WriteOptions,
): Promise<void> {
  const { quiet, onProgress, output } = o;
  const root = resolveBerthRoot(globals().root);
  const store = async (): Promise<ImageStore> => new (await images()).ImageStore(root);
  // The first Ctrl-C (or SIGTERM) aborts the build: the builder then kills the running step's
  // container and unmounts its rootfs before the error ends the command; Node's default exit
  // would leave them behind for good.
  const built = await untilInterrupted(async (signal) => {
    // The source is read under the same signal: a Ctrl-C while stdin is read
    // or its tar extracted stops that too, and its temp dir is removed.
    const source = await sourceOf(signal);
    try {
      return await buildFrom(root, store, { ...source.fields, ...fields }, signal, onProgress);
    } finally {
      await source.cleanup();
    }
  }, {
    onFirst: (sig) => void process.stderr.write(`${sig}: stopping the build (its running step is killed; press Ctrl-C again to quit at once)\n`),
    reason: (sig) => new BerthError("CANCELLED", `build interrupted (${sig})`, { hint: "nothing was named; the steps that finished before are cached" }),
  });
  if (!quiet) process.stderr.write(`${summary(built)}\n`);
  const name = built.names[0]!;
  if (output !== undefined) {
    await writeOutput(await store(), name, output);
    onProgress?.(`wrote ${output.type === "oci" ? "an OCI layout" : "a docker-archive"} to ${output.dest}`);
  }
  if (o.push) {
    const pushed = await (await images()).push(await store(), name);
    onProgress?.(`pushed ${pushed.destination}@${pushed.descriptor.digest}`);
  }
  process.stdout.write(`${built.digest}\n`);
}

/**
 * The build itself: in the daemon when one runs for the root (as docker's
 * daemon does: this process then starts none of the builders' code), else
 * here, also with a daemon older than this CLI (no build API); no daemon is
 * started for it.
 */
async function buildFrom(root: string, store: () => Promise<ImageStore>, request: BuildImageRequest, signal: AbortSignal, onProgress: ((line: string) => void) | undefined): Promise<BuiltImage> {
  try {
    return await new DaemonClient(daemonPaths(root).socket).stream<never, BuiltImage>("POST", "/v1/build", request, { ...(onProgress && { onProgress }), signal });
  } catch (e) {
    if (!(e instanceof DaemonNotRunningError) && !isMissingRoute(e)) throw e;
    if (isMissingRoute(e)) process.stderr.write("warning: the running daemon is older than this berth (it has no build API): building here; restart it with `berth daemon stop` and `berth daemon start`\n");
  }
  setRunPath("local");
  return (await builders()).buildImage(await store(), request, { ...(onProgress && { onProgress }), signal });
}

/**
 * `--output`: the built image as an archive at `output.dest`, which is
 * replaced only once the archive is complete (saveToFile), so a failed
 * export leaves an existing file as it was; checkOutputDest checked the
 * path before the build.
 */
export async function writeOutput(store: ImageStore, name: string, output: { type: "oci" | "docker"; dest: string }): Promise<void> {
  await (await images()).saveToFile(store, [name], output.dest, { format: output.type });
}

/** The build's context and Dockerfile as the request carries them, and what to remove after the build. */
interface BuildSource {
  readonly fields: Pick<BuildImageRequest, "context" | "dockerfile" | "dockerfileText">;
  cleanup(): Promise<void>;
}

/**
 * The context directory PATH and `-f`, as docker build reads them: `-f -`
 * is the Dockerfile on stdin; PATH `-` is stdin too, a tar of the context
 * (then `-f` names a file in it) or a lone Dockerfile with an empty context.
 * Stdin is streamed to a file in a temporary directory (a context may be
 * larger than memory) and extracted there for the build (the daemon, when
 * one builds, reads it there), removed by `cleanup`, or here when reading
 * it fails or `signal` aborts it (Ctrl-C).
 */
async function buildSource(path: string, file: string | undefined, signal: AbortSignal): Promise<BuildSource> {
  const none = async (): Promise<void> => undefined;
  if (path !== "-") {
    if (file !== "-") return { fields: { context: resolve(path), ...(file !== undefined && { dockerfile: resolve(file) }) }, cleanup: none };
    return { fields: { context: resolve(path), dockerfileText: await readStdin(signal) }, cleanup: none };
  }
  if (file === "-") throw new InvalidArgumentError("berth build - -f -: stdin cannot be both the context and the Dockerfile", { hint: "give the context as a directory, or put the Dockerfile in the tar on stdin" });
  const tmp = await mkdtemp(join(tmpdir(), "berth-build-"));
  const cleanup = (): Promise<void> => rm(tmp, { recursive: true, force: true });
  try {
    const saved = join(tmp, "stdin.tar");
    await pipeline(process.stdin, createWriteStream(saved, { mode: 0o600, flags: "wx" }), { signal });
    // Named "stdin" so the default image name reads localhost/stdin:latest.
    const context = join(tmp, "stdin");
    await mkdir(context, { mode: 0o700 });
    const got = await (await builders()).unpackStdinContext(saved, context, signal);
    await rm(saved);
    if (got.kind === "dockerfile") {
      if (file !== undefined) throw new InvalidArgumentError(`-f ${file}: stdin holds a Dockerfile, not a context archive to find ${file} in`, { hint: "drop -f, or send a tar of the context" });
      return { fields: { context, dockerfileText: got.text }, cleanup };
    }
    return { fields: { context, ...(file !== undefined && { dockerfile: inContext(context, file) }) }, cleanup };
  } catch (e) {
    await cleanup();
    signal.throwIfAborted(); // the interrupt, not the stream's AbortError, is what the user did
    throw e;
  }
}

/** `-f` with a context from stdin: a path inside the archive, which must not climb out of it. */
function inContext(context: string, file: string): string {
  const p = posix.normalize(file.replace(/^\/+/, ""));
  if (p === ".." || p.startsWith("../")) throw new InvalidArgumentError(`-f ${file}: outside the context on stdin`, { hint: "name the Dockerfile by its path inside the archive" });
  return join(context, p);
}

/** All of stdin as text, as docker build reads the Dockerfile for `-f -`; `signal` (Ctrl-C) stops the wait for its end. */
async function readStdin(signal: AbortSignal): Promise<string> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of addAbortSignal(signal, process.stdin)) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  } catch (e) {
    signal.throwIfAborted();
    throw e;
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** The line after the steps: what was built and how long its steps took. */
function summary(b: BuiltImage): string {
  const seconds = `${(b.ms / 1000).toFixed(1)}s`;
  if (b.kind === "dockerfile") return `Built ${b.names.join(", ")}: ${b.steps} steps (${b.cached} cached), ${seconds}`;
  const deps = b.dependencyBytes === undefined ? "" : `, dependencies ${formatBytes(b.dependencyBytes)}`;
  return `Built ${b.names[0]}: app layer ${formatBytes(b.appBytes)}${deps} (${b.dependencyBytes === undefined ? 1 : 2} layers over the base), ${seconds}`;
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

/**
 * Fail before the build, not after it, when `--output`'s file cannot be
 * written: its directory missing or read-only, or the path a directory. An
 * existing file is left as it is until the image is written over it.
 */
export async function checkOutputDest(dest: string): Promise<void> {
  const dir = dirname(resolve(dest));
  const fail = (why: string, hint: string): never => {
    throw new InvalidArgumentError(`--output dest=${dest}: ${why}`, { hint });
  };
  const st = await stat(dir).catch(() => undefined);
  if (st === undefined || !st.isDirectory()) fail(`${dir} is not a directory`, "create the directory first, or write the file elsewhere");
  if (!(await access(dir, constants.W_OK).then(() => true, () => false))) fail(`${dir} is not writable`, "write the file where you may create files");
  if ((await stat(dest).catch(() => undefined))?.isDirectory() === true) fail("is a directory", "name the file to write, e.g. dest=image.tar");
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
