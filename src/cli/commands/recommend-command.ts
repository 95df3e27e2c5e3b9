import { Command } from "commander";
import { InvalidArgumentError } from "../../oci/index.js";
import type { GlobalOptions } from "../main.js";
import { renderTable } from "../table.js";
import { daemonOf } from "./daemon-cli.js";
import { stackNameOf, addProjectFlags, type ProjectFlags } from "./stack-project.js";

/** `berth recommend [SERVICE]`: CPU and memory requests and limits per service, from the usage the daemon observed. */
export function recommendCommand(globals: () => GlobalOptions): Command {
  return addProjectFlags(new Command("recommend"))
    .description("recommend CPU and memory requests/limits per service from observed usage (percentiles over a sliding window, "
      + "as the Kubernetes VPA recommender; x-berth.right-size tunes it)")
    .argument("[service]", "only this service")
    .option("--format <format>", "json: the recommendations as JSON")
    .action(async (service: string | undefined, f: ProjectFlags & { format?: string }) => {
      if (f.format !== undefined && f.format !== "json") throw new InvalidArgumentError(`--format ${f.format}: only json is known`);
      const name = await stackNameOf(f);
      const client = await daemonOf(globals);
      const q = service === undefined ? "" : `?service=${encodeURIComponent(service)}`;
      const out = await client.json<{ header: string[]; rows: string[][]; recommendations: unknown[] }>("GET", `/v1/stacks/${name}/recommend${q}`);
      process.stdout.write(f.format === "json" ? `${JSON.stringify(out.recommendations, null, 2)}\n` : renderTable(out.header, out.rows));
    });
}
