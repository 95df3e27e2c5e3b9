import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Command } from "commander";
import { BerthError } from "../../oci/index.js";
import { isRunning } from "../../runtime/index.js";
import { readAnnouncedRun } from "../announced-run.js";
import { resolveBerthRoot } from "../berth-root.js";
import type { GlobalOptions } from "../main.js";
import { VERSION } from "../version.js";
import { runtimeOf } from "./container-cli.js";
import { api, daemonOf, selfLauncher } from "./daemon-cli.js";

const UNIT_PATH = "/etc/systemd/system/berth.service";

function daemonCommand(globals: () => GlobalOptions): Command {
  const cmd = new Command("daemon")
    .description("run the berth daemon in the foreground: it keeps compose stacks in shape (reconcile loop, load balancers, rollouts, autoscaling) "
      + "and serves the API on <root>/daemon/berth.sock; stack commands start one themselves when none runs, and `berth build` uses one when it runs")
    .option("--install", `write a systemd unit (${UNIT_PATH}) that runs this daemon, and exit`)
    .option("--unit-path <file>", "with --install: where to write the unit", UNIT_PATH)
    .action(async (f: { install?: boolean; unitPath: string }) => {
      const root = resolveBerthRoot(globals().root);
      const { BerthDaemon, systemdUnit } = await api();
      if (f.install) {
        await mkdir(dirname(f.unitPath), { recursive: true });
        await writeFile(f.unitPath, systemdUnit(selfLauncher(root, "daemon")), { mode: 0o644 });
        process.stdout.write(`wrote ${f.unitPath}; enable it with: systemctl daemon-reload && systemctl enable --now berth\n`);
        return;
      }
      const daemon = await BerthDaemon.start({ runtime: runtimeOf(globals), version: VERSION, announcedRuns: readAnnouncedRun });
      const stop = (): void => void daemon.stop();
      process.on("SIGINT", stop).on("SIGTERM", stop);
      await daemon.closed;
      process.off("SIGINT", stop).off("SIGTERM", stop);
    });
  cmd.addCommand(new Command("start")
    .description("start a daemon in the background for this root, as `berth up` does, and return once it answers (at once when one runs); "
      + "while one runs, `berth build` hands its builds to it")
    .action(async () => {
      const root = resolveBerthRoot(globals().root);
      const client = await daemonOf(globals);
      const info = await client.json<Record<string, unknown>>("GET", "/v1/info");
      process.stdout.write(`running: pid ${String(info.pid)}, log ${(await api()).daemonPaths(root).log}\n`);
    }));
  cmd.addCommand(new Command("stop")
    .description("stop the daemon (its containers keep running; the next daemon adopts them)")
    .action(async () => {
      const root = resolveBerthRoot(globals().root);
      const { DaemonClient, daemonPaths, readPidFile } = await api();
      const paths = daemonPaths(root);
      const owner = await readPidFile(paths.pidFile);
      const client = new DaemonClient(paths.socket);
      if (!(await client.ping())) {
        if (owner !== undefined && (await isRunning(owner))) throw new BerthError("UNAVAILABLE", `the daemon (pid ${owner.pid}) does not answer on ${paths.socket}`, { hint: `stop it with kill ${owner.pid}` });
        process.stderr.write("no berth daemon is running\n");
        return;
      }
      await client.json("POST", "/v1/shutdown");
      for (let i = 0; i < 300 && owner !== undefined && (await isRunning(owner)); i++) await sleep(100);
      process.stderr.write("berth daemon stopped\n");
    }));
  cmd.addCommand(new Command("status")
    .description("whether a daemon runs for this root: its pid, socket and stacks (exit 1 when none)")
    .action(async () => {
      const { DaemonClient, daemonPaths } = await api();
      const paths = daemonPaths(resolveBerthRoot(globals().root));
      const client = new DaemonClient(paths.socket);
      if (!(await client.ping())) {
        process.stdout.write("not running\n");
        process.exitCode = 1;
        return;
      }
      const info = await client.json<Record<string, unknown>>("GET", "/v1/info");
      process.stdout.write(`running: pid ${String(info.pid)}, ${String(info.stacks)} stack(s), socket ${paths.socket}\n`);
    }));
  return cmd;
}

/** `berth daemon`, `berth daemon start|stop|status`. */
export function daemonCommands(globals: () => GlobalOptions): Command[] {
  return [daemonCommand(globals)];
}
