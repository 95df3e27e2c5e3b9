import { Command } from "commander";
import { InvalidArgumentError, isBerthError } from "../../oci/index.js";
import { matchesContainerFilter, parseContainerFilter, type ContainerSummary } from "../../runtime/index.js";
import { inspectEach } from "../inspect-each.js";
import { INSPECT_FORMAT_FLAG, parseInspectFormat } from "../inspect-format.js";
import { parseListFormat, renderList } from "../list-format.js";
import type { GlobalOptions } from "../main.js";
import { renderTable } from "../table.js";
import { ageText, commandText, CONTAINER_LIST_HEADER, containerListRow } from "./container-list-row.js";
import { portsText, statusText } from "./container-status-text.js";
import { collect, runtimeOf } from "./container-cli.js";
import { INSPECT_TYPES, objectInspector, parseInspectType } from "./inspect-object.js";


/** How many containers one command acts on at once: docker's CLI's limit (each mostly waits on runc and the container). */
const PARALLEL = 50;

/**
 * Run `fn` on each container named, several at once as docker's CLI does
 * (stopping 50 containers one by one would take 50 stop timeouts). As
 * docker's, output keeps the order of the arguments: each name, or its
 * error, is printed once it and every one before it are done ("skipped":
 * neither); the exit code is 1 when any failed.
 */
async function eachContainer(refs: readonly string[], fn: (ref: string) => Promise<void | "skipped">): Promise<void> {
  const results: (unknown | true | "skipped" | undefined)[] = new Array(refs.length).fill(undefined);
  let printed = 0;
  let failed = false;
  const flush = (): void => {
    for (; printed < refs.length && results[printed] !== undefined; printed++) {
      const r = results[printed];
      if (r === true) process.stdout.write(`${refs[printed]}\n`);
      else if (r === "skipped") continue;
      else process.stderr.write(`berth: ${r instanceof Error ? r.message : String(r)}\n`);
    }
  };
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < refs.length; i = next++) {
      try {
        results[i] = (await fn(refs[i]!)) ?? true;
      } catch (e) {
        failed = true;
        results[i] = e ?? new Error("failed");
      }
      flush();
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, refs.length) }, worker));
  if (failed) process.exitCode = 1;
}

// docker compose's labels, which berth's stacks carry (src/orchestrator/stack/stack-labels.ts); read here
// by name so that `ps` does not load the orchestrator.
const STACK_LABEL = "com.docker.compose.project";
const SERVICE_LABEL = "com.docker.compose.service";

export function containerCommands(globals: () => GlobalOptions): Command[] {
  const ps = new Command("ps")
    .description("list containers (running ones; -a for all), with the stack and service of those a compose stack runs")
    .option("-a, --all", "show all containers, not only running ones")
    .option("-q, --quiet", "print ids only")
    .option("--no-trunc", "do not shorten ids and commands")
    .option("-f, --filter <key=value>", "id, name (a regex), label, status, health, exited or ancestor, as docker's; a repeated key matches any of its values (label: all), different keys must all match", collect, [])
    .option("--format <template>", "a Go template per container: {{.ID}} {{.Image}} {{.Command}} {{.CreatedAt}} {{.RunningFor}} {{.Ports}} {{.State}} {{.Status}} "
      + "{{.Names}} {{.Labels}} {{.Label \"key\"}} {{.Mounts}} {{.Networks}} {{.LocalVolumes}}; 'table TEMPLATE' for aligned columns with a header; json for one JSON object per line")
    .action(async (o: { all?: boolean; quiet?: boolean; trunc: boolean; filter: string[]; format?: string }) => {
      const filter = parseContainerFilter(o.filter);
      // docker 23's `--format json` (a JSON line per container); `table` alone is the usual table.
      const format = o.format === undefined || o.quiet ? undefined : parseListFormat(o.format === "json" ? "{{json .}}" : o.format);
      const all = await runtimeOf(globals).list();
      const shown = all.filter((c) => (o.all || filter.selectsStatus || c.state.status === "running" || c.state.status === "restarting") && matchesContainerFilter(filter, c));
      const id = (c: ContainerSummary): string => (o.trunc ? c.record.id.slice(0, 12) : c.record.id);
      if (o.quiet) {
        process.stdout.write(shown.map((c) => `${id(c)}\n`).join(""));
        return;
      }
      const now = Date.now();
      if (format?.kind === "template") {
        process.stdout.write(renderList(format, shown.map((c) => containerListRow(c, { trunc: o.trunc, now })), CONTAINER_LIST_HEADER));
        return;
      }
      const rows = shown.map((c) => [id(c), c.record.image, commandText(c, o.trunc),
        ageText(c.record.created, now), statusText(c, now), portsText(c.ports),
        c.record.labels?.[STACK_LABEL] ?? "", c.record.labels?.[SERVICE_LABEL] ?? "", c.record.name ?? ""]);
      process.stdout.write(renderTable(["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "STACK", "SERVICE", "NAMES"], rows));
    });

  const start = new Command("start").description("start one or more stopped containers")
    .argument("<container...>", "names or ids")
    .action(async (refs: string[]) => {
      const rt = runtimeOf(globals);
      await eachContainer(refs, async (r) => void (await rt.start(r)));
    });

  const stop = new Command("stop").description("stop containers: the stop signal, then SIGKILL after the timeout")
    .argument("<container...>", "names or ids")
    .option("-t, --time <seconds>", "seconds to wait before killing (-1: wait without end)", "10")
    .action(async (refs: string[], o: { time: string }) => {
      const rt = runtimeOf(globals);
      const t = seconds(o.time);
      await eachContainer(refs, async (r) => void (await rt.stop(r, t)));
    });

  const restart = new Command("restart").description("stop then start containers")
    .argument("<container...>", "names or ids")
    .option("-t, --time <seconds>", "seconds to wait before killing (-1: wait without end)", "10")
    .action(async (refs: string[], o: { time: string }) => {
      const rt = runtimeOf(globals);
      const t = seconds(o.time);
      await eachContainer(refs, async (r) => void (await rt.restart(r, t)));
    });

  const kill = new Command("kill").description("send a signal to running containers")
    .argument("<container...>", "names or ids")
    .option("-s, --signal <signal>", "signal name or number", "SIGKILL")
    .action(async (refs: string[], o: { signal: string }) => {
      const rt = runtimeOf(globals);
      await eachContainer(refs, (r) => rt.kill(r, o.signal));
    });

  const rm = new Command("rm").description("remove containers")
    .argument("<container...>", "names or ids")
    .option("-f, --force", "kill a running container first; a container that does not exist is not an error")
    .option("-v, --volumes", "also remove its anonymous volumes")
    .action(async (refs: string[], o: { force?: boolean; volumes?: boolean }) => {
      const rt = runtimeOf(globals);
      await eachContainer(refs, async (r) => {
        try {
          await rt.remove(r, { ...(o.force && { force: true }), ...(o.volumes && { volumes: true }) });
        } catch (e) {
          // As docker's: `rm -f` of what is not there is done, so clean-up scripts can run twice.
          if (o.force && isBerthError(e, "NOT_FOUND")) return "skipped";
          throw e;
        }
      });
    });

  const wait = new Command("wait").description("wait for containers to end; print their exit codes")
    .argument("<container...>", "names or ids")
    .action(async (refs: string[]) => {
      const rt = runtimeOf(globals);
      for (const r of refs) process.stdout.write(`${await rt.wait(r)}\n`);
    });

  const inspect = new Command("inspect")
    .description("show containers, images, networks or volumes as docker's JSON (an array), or each through a Go template (-f); "
      + "without --type, each name is the first of a container, an image, a network, a volume that has it")
    .argument("<names...>", "names or ids")
    .option(...INSPECT_FORMAT_FLAG)
    .option("--type <kind>", `look only for this kind: ${INSPECT_TYPES.join(", ")}`)
    .action(async (refs: string[], o: { format?: string; type?: string }) => {
      const format = parseInspectFormat(o.format);
      const type = parseInspectType(o.type);
      await inspectEach(type ?? "object", refs, format, objectInspector(globals, type));
    });

  return [ps, start, stop, restart, kill, rm, wait, inspect];
}

/** `-t/--time`: whole seconds, or -1 to wait for the container however long it takes (docker's). */
function seconds(value: string): number {
  const n = Number(value);
  if (!/^(\d+|-1)$/.test(value) || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`--time ${value}: must be a whole number of seconds, or -1 to wait without end`);
  return n;
}
