import { Command } from "commander";
import { InvalidArgumentError } from "../../oci/index.js";
import type { LoggedEvent } from "../../orchestrator/index.js";
import type { GlobalOptions } from "../main.js";
import { daemonOf } from "./daemon-cli.js";

interface EventsFlags {
  readonly follow?: boolean;
  readonly since?: string;
  readonly tail: string;
  readonly projectName?: string;
  readonly service?: string;
  readonly format?: string;
}

/** One event as a line: `2026-11-28T17:03:05.120Z shop catalog replace shop-catalog-2: replaced …`. */
export function eventLine(e: LoggedEvent): string {
  return `${e.time} ${e.project || "-"} ${e.service || "-"} ${e.action} ${e.detail}\n`;
}

/** `berth events`: the daemon's event log (every action on every stack), and with -f what happens from now on. */
export function eventsCommand(globals: () => GlobalOptions): Command {
  return new Command("events")
    .description("show what the daemon did to stacks (creates, replacements, rollouts, scaling, warnings): the last events, or follow them")
    .option("-f, --follow", "keep printing events as they happen, until Ctrl-C")
    .option("--since <id>", "events after this event id (ids are in --format json)")
    .option("-n, --tail <count>", "without --since: only the last COUNT events (of the stack and service asked for)", "100")
    .option("-p, --project-name <name>", "only this stack's events")
    .option("--service <name>", "only this service's events")
    .option("--format <format>", "json: one JSON object per line")
    .action(async (f: EventsFlags) => {
      if (f.since !== undefined && !/^\d{1,15}$/.test(f.since)) throw new InvalidArgumentError(`--since ${f.since}: an event id (a whole number)`);
      if (!/^\d{1,7}$/.test(f.tail)) throw new InvalidArgumentError(`--tail ${f.tail}: a number of events`);
      if (f.format !== undefined && f.format !== "json") throw new InvalidArgumentError(`--format ${f.format}: only json is known`);
      if (f.service !== undefined && f.projectName === undefined) throw new InvalidArgumentError("--service needs -p NAME: service names are per stack");
      const client = await daemonOf(globals);
      let after = f.since;
      if (after === undefined && Number(f.tail) === 0) after = String((await client.json<{ lastEventId?: number }>("GET", "/v1/info")).lastEventId ?? 0);
      // -n 0 (00 too: a number) shows none of the past: from the last event on. -n counts the events shown (of the stack and service asked for), not the last N of every stack.
      const from: Record<string, string> = after !== undefined ? { after } : { last: String(Number(f.tail)) };
      const q = new URLSearchParams({ ...from, ...(f.follow && { follow: "1" }), ...(f.projectName !== undefined && { project: f.projectName }), ...(f.service !== undefined && { service: f.service }) });
      const ac = new AbortController();
      const stop = (): void => ac.abort();
      process.on("SIGINT", stop).on("SIGTERM", stop);
      try {
        for await (const e of client.lines(`/v1/events?${q.toString()}`, ac.signal)) {
          process.stdout.write(f.format === "json" ? `${JSON.stringify(e)}\n` : eventLine(e as LoggedEvent));
        }
      } finally {
        process.off("SIGINT", stop).off("SIGTERM", stop);
      }
    });
}
