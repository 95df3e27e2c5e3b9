import { Command } from "commander";
import {
  containerCgroupPath, ContainerStartError, type ContainerRuntime, cpuPercent, findCgroup, formatStatsRow, listProcesses, parseEnv, parseLogTime,
  NOT_RUNNING_STATS, readCgroupStats, readContainerLogs, STATS_COLUMNS, type CgroupStats, type ContainerRecord,
} from "../../runtime/index.js";
import { InvalidArgumentError } from "../../oci/index.js";
import type { GlobalOptions } from "../main.js";
import { ExitCode } from "../exit-codes.js";
import { printError } from "../print-error.js";
import { renderTable } from "../table.js";
import { collect, runtimeOf } from "./container-cli.js";
import { SignalProxy } from "./signal-proxy.js";


/** `exec`, `logs`, `top`, `stats`: what goes in and out of running containers. */
export function containerIoCommands(globals: () => GlobalOptions): Command[] {
  const exec = new Command("exec")
    .description("run a command in a running container; exit code: the command's, 126 when it cannot run (not found or not executable, as docker's exec), 125 when berth fails")
    .argument("<container>", "name or id")
    .argument("<command...>", "command and arguments")
    .option("-d, --detach", "leave the command running in the background (its output is dropped)")
    .option("-i, --interactive", "keep stdin open")
    .option("-t, --tty", "allocate a terminal")
    .option("-e, --env <NAME=value>", "set an environment variable (repeatable)", collect, [])
    .option("-u, --user <user[:group]>", "user name or uid, and group")
    .option("-w, --workdir <dir>", "working directory")
    .passThroughOptions()
    .action(async (ref: string, command: string[], o: { detach?: boolean; interactive?: boolean; tty?: boolean; env: string[]; user?: string; workdir?: string }) => {
      // Ctrl-C, SIGTERM, … to berth reach the command (without -i/-t, which runc gets in berth's process group).
      const signals = new SignalProxy();
      try {
        const env = o.env.map((e) => parseEnv(e, "-e", process.env)).filter((e): e is string => e !== undefined);
        process.exitCode = await runtimeOf(globals).exec(ref, command[0] === "--" ? command.slice(1) : command, {
          ...(o.detach && { detach: true }), ...(o.interactive && { interactive: true }), ...(o.tty && { tty: true }), env,
          ...(o.user !== undefined && { user: o.user }), ...(o.workdir !== undefined && { workdir: o.workdir }),
          onStart: signals.forward,
        });
      } catch (e) {
        printError(e, globals().debug === true);
        process.exitCode = e instanceof ContainerStartError ? e.exitCode : ExitCode.containerCommandFailed;
      } finally {
        signals.stop();
      }
    });

  const logs = new Command("logs")
    .description("print a container's output (kept after it ended, until it is removed)")
    .argument("<container>", "name or id")
    .option("-f, --follow", "keep printing until the container ends")
    .option("--since <time>", "only lines since: RFC 3339, unix seconds, or a duration such as 10m")
    .option("--until <time>", "only lines before: same forms as --since")
    .option("-n, --tail <n>", "only the last n lines (\"all\" for all)", "all")
    .option("-t, --timestamps", "show each line's time")
    .action(async (ref: string, o: { follow?: boolean; since?: string; until?: string; tail: string; timestamps?: boolean }) => {
      const rt = runtimeOf(globals);
      const record = await rt.resolve(ref);
      // A negative count is all of it, as docker's.
      const tail = o.tail === "all" || /^-\d+$/.test(o.tail) ? undefined : Number(o.tail);
      if (tail !== undefined && (!/^\d+$/.test(o.tail) || !Number.isSafeInteger(tail))) {
        throw new InvalidArgumentError(`--tail ${o.tail}: expected a number of lines, or "all" (or a negative number) for all`);
      }
      const stop = o.follow ? rt.wait(record) : undefined;
      await readContainerLogs(rt.ctx.logPath(record.id), {
        ...(o.since !== undefined && { since: parseLogTime(o.since, new Date(), "since") }),
        ...(o.until !== undefined && { until: parseLogTime(o.until, new Date(), "until") }),
        ...(tail !== undefined && { tail }),
        ...(o.timestamps && { timestamps: true }),
        ...(o.follow && { follow: true, stop: stop! }),
      }, { stdout: process.stdout, stderr: process.stderr });
    });

  const top = new Command("top")
    .description("list a running container's processes (docker top's columns; ps options -ef or -o key,… )")
    .argument("<container>", "name or id")
    .argument("[ps-options...]", "e.g. -o pid,comm")
    .passThroughOptions()
    .action(async (ref: string, psArgs: string[]) => {
      const rt = runtimeOf(globals);
      const record = await rt.resolve(ref);
      const table = await listProcesses(rt.ctx.runtimeOf(record).binary, rt.ctx.runtimeOf(record).opts.stateDir, record.id, { ...(psArgs.length > 0 && { psArgs }) });
      process.stdout.write(renderTable(table.titles, table.processes));
    });

  const stats = new Command("stats")
    .description("CPU, memory, network, block I/O and pids of running containers, from their cgroups")
    .argument("[container...]", "names or ids; default all running")
    .option("--no-stream", "print one reading and exit")
    .action(async (refs: string[], o: { stream: boolean }) => {
      const rt = runtimeOf(globals);
      const records = refs.length > 0
        ? await Promise.all(refs.map((r) => rt.resolve(r)))
        : (await rt.list()).filter((c) => c.state.status === "running").map((c) => c.record);
      let prev = await sample(rt, records);
      for (let round = 0; ; round++) {
        await new Promise((r) => setTimeout(r, o.stream || round > 0 ? 1000 : 500));
        const cur = await sample(rt, records);
        const rows = records.map((r) => {
          const a = prev.get(r.id);
          const b = cur.get(r.id);
          return formatStatsRow({ id: r.id, name: r.name ?? "", cpuPercent: a && b ? cpuPercent(a, b) : 0, stats: b });
        });
        if (o.stream) process.stdout.write("\x1b[2J\x1b[H");
        process.stdout.write(renderTable(STATS_COLUMNS, rows));
        if (!o.stream) return;
        prev = cur;
      }
    });

  return [exec, logs, top, stats];
}

/** One cgroup reading per running container; absent for one that is not running. */
async function sample(rt: ContainerRuntime, records: readonly ContainerRecord[]): Promise<Map<string, CgroupStats>> {
  const out = new Map<string, CgroupStats>();
  for (const r of records) {
    // state.json, settled, not a `runc state` per container and second.
    const { State } = await rt.inspect(r);
    if (!State.Running) {
      out.set(r.id, NOT_RUNNING_STATS);
      continue;
    }
    const s = await findCgroup(containerCgroupPath(r.id)).then((cg) => readCgroupStats(cg, { pid: State.Pid })).catch(() => undefined);
    if (s !== undefined) out.set(r.id, s);
  }
  return out;
}
