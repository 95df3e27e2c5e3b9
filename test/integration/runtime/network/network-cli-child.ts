// Run as `node network-cli-child.js ROOT ARGS…`: `berth --root ROOT network ARGS…` as the CLI main
// will mount it (main is the lead's to wire), printing errors as main does and exiting with its codes.
import { Command, CommanderError } from "commander";
import { networkCommand } from "../../../../src/cli/commands/network-commands.js";
import { exitCodeFor } from "../../../../src/cli/exit-codes.js";
import { isBerthError } from "../../../../src/oci/index.js";

const [root, ...args] = process.argv.slice(2);
const program = new Command("berth").exitOverride();
const network = networkCommand(() => ({ root }));
for (const c of [network, ...network.commands]) c.exitOverride();
program.addCommand(network);
try {
  await program.parseAsync(["network", ...args], { from: "user" });
} catch (e) {
  if (e instanceof CommanderError) {
    process.exitCode = e.exitCode === 0 ? 0 : 2;
  } else {
    process.stderr.write(`berth: ${e instanceof Error ? e.message : String(e)}\n${isBerthError(e) && e.hint ? `hint: ${e.hint}\n` : ""}`);
    process.exitCode = exitCodeFor(e);
  }
}
