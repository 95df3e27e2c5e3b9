import { Command } from "commander";
import { BerthError, InvalidArgumentError } from "../../oci/index.js";
import { inspectNetwork, NetworkStore } from "../../runtime/index.js";
import { confirm } from "../confirm.js";
import { resolveBerthRoot } from "../berth-root.js";
import { inspectEach } from "../inspect-each.js";
import { INSPECT_FORMAT_FLAG, parseInspectFormat } from "../inspect-format.js";
import type { GlobalOptions } from "../main.js";
import { renderTable } from "../table.js";
import { collect, runtimeOf } from "./container-cli.js";
import { throwAll } from "../print-error.js";

const PRUNE_WARNING = "WARNING! This will remove all custom networks not used by at least one container.\nAre you sure you want to continue? [y/N] ";

interface CreateFlags {
  readonly driver: string;
  readonly subnet?: string;
  readonly gateway?: string;
  readonly internal?: boolean;
  readonly label: string[];
  readonly disableDns?: boolean;
}

/** `--label k=v` (repeatable) as a record; a bare `k` gets an empty value, as docker gives it. */
function parseLabels(flags: readonly string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const f of flags) {
    const eq = f.indexOf("=");
    const key = eq < 0 ? f : f.slice(0, eq);
    if (key === "" || /\s/.test(key)) throw new InvalidArgumentError(`--label ${JSON.stringify(f)}: must be KEY=VALUE with a non-empty key and no spaces in it`);
    labels[key] = eq < 0 ? "" : f.slice(eq + 1);
  }
  return labels;
}

/**
 * `berth network create|ls|inspect|rm|prune|connect|disconnect`, docker's
 * names and output, over the NetworkStore in the berth root. `ls` creates
 * the default `bridge` network on first use, so it is always listed.
 */
export function networkCommand(globals: () => GlobalOptions): Command {
  const store = (): NetworkStore => new NetworkStore(resolveBerthRoot(globals().root));

  const create = new Command("create").description("create a bridge network; prints its id")
    .argument("<name>", "network name: letters, digits, _ . - (starting with a letter or digit)")
    .option("-d, --driver <driver>", "network driver (only bridge)", "bridge")
    .option("--subnet <cidr>", "IPv4 subnet, e.g. 10.89.5.0/24 (default: a free 10.89.N.0/24)")
    .option("--gateway <ip>", "gateway address inside --subnet (default: its first address)")
    .option("--internal", "no route out of the network")
    .option("--label <key=value>", "set metadata (repeatable)", collect, [])
    .option("--disable-dns", "no aardvark-dns: containers do not resolve each other by name")
    .action(async (name: string, flags: CreateFlags) => {
      if (flags.driver !== "bridge") throw new InvalidArgumentError(`--driver ${flags.driver}: only bridge is supported`);
      const n = await store().create(name, {
        ...(flags.subnet !== undefined && { subnet: flags.subnet }),
        ...(flags.gateway !== undefined && { gateway: flags.gateway }),
        internal: flags.internal === true,
        dns: flags.disableDns !== true,
        labels: parseLabels(flags.label),
      });
      process.stdout.write(`${n.id}\n`);
    });

  const list = new Command("ls").alias("list").description("list networks")
    .option("-q, --quiet", "print network ids only")
    .option("--no-trunc", "show full ids")
    .action(async (opts: { quiet?: boolean; trunc: boolean }) => {
      const s = store();
      await s.ensureDefault();
      const networks = await s.list();
      const id = (full: string): string => (opts.trunc ? full.slice(0, 12) : full);
      if (opts.quiet) {
        process.stdout.write(networks.map((n) => `${id(n.id)}\n`).join(""));
        return;
      }
      process.stdout.write(renderTable(["NETWORK ID", "NAME", "DRIVER"], networks.map((n) => [id(n.id), n.name, n.driver])));
    });

  const inspect = new Command("inspect").description("show networks as docker's JSON, or each through a Go template (-f)")
    .argument("<networks...>", "names, ids or id prefixes")
    .option(...INSPECT_FORMAT_FLAG)
    .action(async (names: string[], opts: { format?: string }) => {
      const format = parseInspectFormat(opts.format);
      const s = store();
      if (names.includes("bridge")) await s.ensureDefault();
      await inspectEach("network", names, format, async (n) => inspectNetwork(await s.inspect(n)));
    });

  const remove = new Command("rm").alias("remove").description("remove networks no container is attached to")
    .argument("<networks...>", "names, ids or id prefixes")
    .action(async (names: string[]) => {
      const s = store();
      const failures: unknown[] = [];
      for (const n of names) {
        try {
          await s.remove(n);
          process.stdout.write(`${n}\n`);
        } catch (e) {
          failures.push(e);
        }
      }
      // As docker: go on past a failure, report each in order; the last one decides the exit code.
      throwAll(failures);
    });

  const prune = new Command("prune").description("remove every network no running container is on (never the default bridge)")
    .option("-f, --force", "do not ask for confirmation")
    .action(async (opts: { force?: boolean }) => {
      if (!opts.force && !(await confirm(PRUNE_WARNING))) {
        throw new BerthError("CANCELLED", "network prune cancelled: nothing was removed", { hint: "answer y, or pass -f to skip the question" });
      }
      const removed = await store().prune();
      if (removed.length > 0) process.stdout.write(`Deleted Networks:\n${removed.map((n) => `${n.name}\n`).join("")}\n`);
    });

  const connect = new Command("connect").description("connect a container to a network: at once when it runs, and at each start")
    .argument("<network>", "name, id or id prefix")
    .argument("<container>", "name or id")
    .option("--alias <name>", "another name the container answers to on this network (repeatable)", collect, [])
    .option("--ip <address>", "the container's IPv4 address on this network")
    .action(async (net: string, ref: string, opts: { alias: string[]; ip?: string }) => {
      await runtimeOf(globals).connectNetwork(ref, { network: net, aliases: opts.alias, ...(opts.ip !== undefined && { ipv4: opts.ip }) });
    });

  const disconnect = new Command("disconnect").description("disconnect a container from a network: at once when it runs, and from its later starts")
    .argument("<network>", "name, id or id prefix")
    .argument("<container>", "name or id")
    .option("-f, --force", "also take down what a removed container left on the network")
    .action(async (net: string, ref: string, opts: { force?: boolean }) => {
      const rt = runtimeOf(globals);
      if (opts.force) await rt.disconnectNetworkForce(ref, net);
      else await rt.disconnectNetwork(ref, net);
    });

  const network = new Command("network").description("manage container networks (bridges made by netavark)");
  for (const c of [create, list, inspect, remove, prune, connect, disconnect]) network.addCommand(c);
  return network;
}
