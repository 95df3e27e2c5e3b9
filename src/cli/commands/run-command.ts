import { Command } from "commander";
import { closeSync, openSync } from "node:fs";
import { InvalidArgumentError } from "../../oci/index.js";
import {
  ContainerRuntime, prepareRunImage, readContainerLogs, runContainer, selfIdentity, type CreateContainerOptions,
} from "../../runtime/index.js";
import type { GlobalOptions } from "../main.js";
import { ProgressRenderer, progressMode } from "../progress-renderer.js";
import { addContainerFlags, containerOptions, type ContainerFlags } from "./container-flags.js";
import { imageStore } from "./image-commands.js";
import { runInDaemon } from "./run-in-daemon.js";
import { exitForRunError, type RunFlags } from "./run-flags.js";
import { SignalProxy } from "./signal-proxy.js";
import { runSpec } from "./run-spec.js";
import { setRunPath } from "../run-path.js";


/**
 * `berth run [OPTIONS] IMAGE [CMD…]` (see runSpec). Exit code: the
 * container's, or 125 (berth failed), 126 (cannot execute), 127 (command
 * not found); errors are printed here because main's codes differ.
 */
export function runCommand(globals: () => GlobalOptions): Command {
  return runSpec().action(async (image: string, command: string[], flags: RunFlags) => {
    process.exitCode = await runAction(globals(), image, command, flags);
  });
}

/** `berth create`: the same flags, the container made but not started. */
export function createCommand(globals: () => GlobalOptions): Command {
  const cmd = new Command("create")
    .description("create a container without starting it; prints its id")
    .argument("<image>", "name, id, oci:DIR[:tag] or docker-archive:FILE; pulled first when not in the store")
    .argument("[command...]", "command and arguments; default the image's Cmd");
  return addContainerFlags(cmd)
    .passThroughOptions()
    .action(async (image: string, command: string[], flags: ContainerFlags) => {
      const renderer = new ProgressRenderer(progressMode({ ...(flags.quiet && { quiet: true }) }), () => process.stderr, "Downloading");
      try {
        const opts = await containerOptions(command, flags);
        const record = await new ContainerRuntime(imageStore(globals())).create(image, { ...opts, onProgress: renderer.listener });
        renderer.finish();
        process.stdout.write(`${record.id}\n`);
      } catch (e) {
        // As run's: 125 for whatever failed (a bad flag value, an unknown image, a name in use).
        renderer.finish();
        process.exitCode = exitForRunError(e, globals().debug === true);
      }
    });
}

async function runAction(globals: GlobalOptions, image: string, command: string[], flags: RunFlags): Promise<number> {
  const renderer = new ProgressRenderer(progressMode({ ...(flags.quiet && { quiet: true }) }), () => process.stderr, "Downloading");
  const signals = new SignalProxy();
  const forward = signals.forward;
  try {
    let opts: CreateContainerOptions = { ...(await containerOptions(command, flags)), onProgress: renderer.listener };
    if ((flags.interactive || flags.tty) && !flags.detach) return await runAttached(globals, image, { ...opts, ...(flags.interactive && { interactive: true }) }, forward, renderer);
    const runtime = new ContainerRuntime(imageStore(globals));
    if (opts.pull === "always") {
      // A daemon never pulls (this berth shows the progress): `--pull always` pulls here, whoever starts the container.
      await prepareRunImage(runtime.store, image, { onProgress: renderer.listener, pull: "always" });
      renderer.finish();
      opts = { ...opts, pull: "missing" };
    }
    // With a daemon running for the root, it makes and starts the container, warm (as dockerd does), and
    // streams its output here. Without one, or to pull the image first, here.
    const inDaemon = await runInDaemon(runtime.ctx.root, image, opts, { detach: flags.detach === true });
    if (inDaemon !== undefined) return inDaemon;
    setRunPath("local");
    const attached = flags.detach ? undefined : await selfIdentity();
    const { record } = await runtime.run(image, opts, { ...(attached !== undefined && { attached }) });
    renderer.finish();
    if (flags.detach) {
      process.stdout.write(`${record.id}\n`);
      return 0;
    }
    forward((s) => void runtime.kill(record, s).catch(() => undefined));
    const followLog = (stop: Promise<unknown>): Promise<void> =>
      readContainerLogs(runtime.ctx.logPath(record.id), { follow: true, stop }, { stdout: process.stdout, stderr: process.stderr });
    if (opts.autoRemove) {
      // The log is drained once the run has ended; then the container is taken apart in one step.
      await followLog(runtime.ended(record));
      return await runtime.removeExited(record);
    }
    const exited = runtime.wait(record, { nextExit: true });
    await followLog(exited);
    return await exited;
  } catch (e) {
    renderer.finish();
    return exitForRunError(e, globals.debug === true);
  } finally {
    signals.stop();
  }
}

/** A terminal for runc to proxy: one of berth's stdio, else its controlling terminal. */
function hasTerminal(): boolean {
  if (process.stdin.isTTY || process.stdout.isTTY || process.stderr.isTTY) return true;
  try {
    closeSync(openSync("/dev/tty", "r"));
    return true;
  } catch {
    return false;
  }
}

/**
 * `run -i`/`-t` in the foreground: runc runs the container attached to this
 * berth (runc makes and proxies the terminal), which monitors it and
 * removes it when it ends; its network, volumes and ports are set up as
 * for any container. conmon's attach socket is SOCK_SEQPACKET, which Node
 * cannot open, so these do not outlive berth (see docs/runtime.md).
 */
async function runAttached(
  globals: GlobalOptions, image: string, opts: CreateContainerOptions & { interactive?: boolean }, forward: (kill: (s: NodeJS.Signals) => void) => void, renderer: ProgressRenderer,
): Promise<number> {
  const { healthFlags: _h, restartPolicy: _r, labels: _l, autoRemove: _a, health: _hc, runtime, ...rest } = opts;
  if (opts.tty === true && !hasTerminal()) {
    // runc proxies the container's terminal through berth's own: without one it fails opening /dev/tty, after the container was made.
    throw new InvalidArgumentError("-t: berth has no terminal to attach the container's to (stdin, stdout and stderr are not terminals)", {
      hint: "run without -t, or with -d -t (a terminal under the container's monitor; read it with berth logs)",
    });
  }
  const container = await runContainer(imageStore(globals), image, { ...rest, ...(runtime !== undefined && { runcBinary: runtime }) });
  renderer.finish();
  forward((s) => container.kill(s));
  return container.wait();
}
