import { Command } from "commander";
import type { StackEvent } from "../../orchestrator/index.js";
import type { GlobalOptions } from "../main.js";
import { renderTable } from "../table.js";
import { daemonOf } from "./daemon-cli.js";
import { addProjectFlags, stackNameOf, type ProjectFlags } from "./stack-project.js";

interface Table {
  readonly header: readonly string[];
  readonly rows: string[][];
}

const printEvent = (e: StackEvent): void => void process.stderr.write(`${e.service === "" ? "" : `${e.service}: `}${e.detail}\n`);

/** `berth rollout status|history|undo`: rolling updates of a stack's services, as the daemon keeps them. */
export function rolloutCommand(globals: () => GlobalOptions): Command {
  const cmd = new Command("rollout").description("rolling updates of a stack's services: their progress, their revisions, and going back one");
  cmd.addCommand(addProjectFlags(new Command("status"))
    .description("the last rollout of each service: state (updating, rolling-back, completed, rolled-back, paused, failed), revisions, detail")
    .argument("[service]", "only this service")
    .action(async (service: string | undefined, f: ProjectFlags) => {
      const name = await stackNameOf(f);
      const t = await (await daemonOf(globals)).json<Table>("GET", `/v1/stacks/${name}/rollouts`);
      process.stdout.write(renderTable([...t.header], t.rows.filter((r) => service === undefined || r[0] === service)));
    }));
  cmd.addCommand(addProjectFlags(new Command("history"))
    .description("a service's revisions, newest first: status (current, previous, failed, superseded), image, config hash")
    .argument("<service>", "the service")
    .action(async (service: string, f: ProjectFlags) => {
      const name = await stackNameOf(f);
      const t = await (await daemonOf(globals)).json<Table>("GET", `/v1/stacks/${name}/services/${encodeURIComponent(service)}/revisions`);
      process.stdout.write(renderTable([...t.header], t.rows));
    }));
  cmd.addCommand(addProjectFlags(new Command("undo"))
    .description("roll a service back to its previous revision (with its rollback_config); undo twice returns to where it was")
    .argument("<service>", "the service")
    .action(async (service: string, f: ProjectFlags) => {
      const name = await stackNameOf(f);
      const r = await (await daemonOf(globals)).stream<StackEvent, { state: string; detail: string; revision: number }>(
        "POST", `/v1/stacks/${name}/services/${encodeURIComponent(service)}/undo`, {}, { onEvent: printEvent });
      process.stderr.write(`${service}: revision ${r.revision}: ${r.state}${r.detail === "" ? "" : ` (${r.detail})`}\n`);
      if (r.state !== "completed") process.exitCode = 1;
    }));
  return cmd;
}
