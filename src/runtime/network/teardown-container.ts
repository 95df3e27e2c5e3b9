import { access } from "node:fs/promises";
import { basename } from "node:path";
import { RuntimeToolError } from "../errors.js";
import { NetworkSetupError } from "./errors.js";
import { runTool } from "./internal/run-tool.js";
import { netavarkTeardown, type NetavarkConfig, type NetavarkInput } from "./netavark.js";
import { createScratchNetns, removeNetns } from "./netns.js";

/** Errors a repair run expects: what the first run or the crash removed already. */
const GONE = /No such file or directory|No such device/;

/**
 * Undo `netavark setup` for one container: its veth ends, firewall rules,
 * aardvark-dns entries, and the bridge when it was the last one on it.
 *
 * netavark 1.4 stops at the first container interface it cannot find and
 * then leaves the firewall rules and the bridge alone. So when the
 * namespace is gone (a crash; its veth ends went with it) or the first run
 * fails, teardown runs again against a scratch namespace holding stand-in
 * interfaces of the same names, which netavark deletes before going on.
 * In that second run, errors saying something is gone already are expected;
 * any other is a NetworkSetupError.
 */
export async function teardownContainer(config: NetavarkConfig, netnsPath: string, input: NetavarkInput): Promise<void> {
  if (await access(netnsPath).then(() => true, () => false)) {
    try {
      await netavarkTeardown(config, netnsPath, input);
      return;
    } catch {
      // Repaired below.
    }
  }
  const scratch = await createScratchNetns();
  try {
    const interfaces = Object.values(input.networks).map((n) => n.interface_name);
    for (const [i, name] of interfaces.entries()) {
      const args = ["-n", basename(scratch), "link", "add", name, "type", "veth", "peer", "name", `fix${i}`];
      const r = await runTool("ip", args, { timeoutMs: 30_000 });
      if (r.code !== 0) throw new RuntimeToolError("ip", args, r.stderr.trim() || `exit ${r.code}`);
    }
    await netavarkTeardown(config, scratch, input).catch((e: unknown) => {
      if (!(e instanceof NetworkSetupError) || !onlyGone(e.detail)) throw e;
    });
  } finally {
    await removeNetns(scratch);
  }
}

/** True when every error netavark listed says something was gone already. */
function onlyGone(detail: string): boolean {
  const items = detail.includes("\n\t- ") ? detail.split("\n\t- ").slice(1) : [detail];
  return items.every((line) => GONE.test(line));
}
