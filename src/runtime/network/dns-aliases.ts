import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { replaceFileAtomic } from "../../content/index.js";
import { InvalidArgumentError } from "../../oci/index.js";
import { fullNames, identityNames, setEntryNames } from "./aardvark-entries.js";
import { DnsEntryNotFoundError } from "./errors.js";
import { withFlock } from "./internal/flock.js";
import type { NetworkStore } from "./network-store.js";

/**
 * Take a container's aliases out of aardvark-dns's answers on `network`
 * (`enabled: false`), or give them back (`true`), and make aardvark-dns
 * reload. Its own name and short id keep resolving either way: only the
 * names it shares with others (the service name, `aliases:`) stop pointing
 * at it — what the orchestrator does while a replica is unhealthy, so that
 * inside the stack the service name resolves to healthy replicas only.
 *
 * The names come from the network file (what netavark was given), so
 * enabling restores exactly the line netavark wrote. The edit is atomic
 * (a temp file outside the directory aardvark-dns reads, then rename) and
 * runs under the network store's lock and netavark's own `aardvark.lock`
 * (flock), the two locks netavark setup and teardown run under; aardvark-dns
 * then gets SIGHUP (as netavark signals it), when it runs. Idempotent:
 * resolves false when the entry already was as asked (nothing written, no
 * signal), true when it changed. A container set up again by netavark (a
 * restart) gets its full names back; call this again after that.
 *
 * Throws InvalidArgumentError for a malformed id, NetworkNotFoundError,
 * DnsEntryNotFoundError when the container is not connected to the network,
 * the network has no DNS, or aardvark's file has no line for it.
 */
export async function setDnsAliasesEnabled(store: NetworkStore, containerId: string, network: string, enabled: boolean): Promise<boolean> {
  if (!/^[0-9a-f]{64}$/.test(containerId)) throw new InvalidArgumentError(`container id ${JSON.stringify(containerId.slice(0, 80))}: expected 64 lower-case hex characters`);
  return store.transaction(async (tx) => {
    const net = await tx.get(network);
    const attachment = net.containers[containerId];
    if (attachment === undefined) throw new DnsEntryNotFoundError(containerId, net.name, "not connected to it");
    if (!net.dns) throw new DnsEntryNotFoundError(containerId, net.name, "the network has no DNS (aardvark-dns serves user networks only)");
    const dir = join(store.netavarkConfigDir, "aardvark-dns");
    const file = join(dir, net.name);
    const names = enabled ? fullNames(containerId, attachment) : identityNames(containerId, attachment);
    const changed = await withFlock(join(store.netavarkConfigDir, "aardvark.lock"), async () => {
      const text = await readFile(file, "utf8").catch((e: NodeJS.ErrnoException) => {
        if (e.code === "ENOENT") return "";
        throw e;
      });
      const edit = setEntryNames(text, containerId, names);
      if (!edit.found) throw new DnsEntryNotFoundError(containerId, net.name, `no entry in ${file} (network setup not finished?)`);
      if (edit.changed) await replaceFile(store.netavarkConfigDir, file, edit.text);
      return edit.changed;
    });
    if (changed) await reloadAardvark(dir);
    return changed;
  });
}

/** Write `text` to `file` by rename from a temp file in `tmpDir`: aardvark-dns parses every file of its own directory, a temp file included. */
async function replaceFile(tmpDir: string, file: string, text: string): Promise<void> {
  const mode = (await stat(file).catch(() => undefined))?.mode ?? 0o644;
  await replaceFileAtomic(file, (fh) => fh.writeFile(text), { tempDir: tmpDir, mode: mode & 0o777 });
}

/**
 * SIGHUP to the aardvark-dns of this config dir, as netavark sends it: the
 * pid from `aardvark.pid`, checked against /proc so that a pid reused by
 * another program is never signalled. Not running: nothing to do, it reads
 * the files when netavark starts it.
 */
async function reloadAardvark(dir: string): Promise<void> {
  const pid = Number((await readFile(join(dir, "aardvark.pid"), "utf8").catch(() => "")).trim());
  if (!Number.isSafeInteger(pid) || pid <= 1) return;
  const cmdline = (await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "")).split("\0");
  if (!cmdline.some((a) => a.endsWith("aardvark-dns")) || !cmdline.includes(dir)) return;
  try {
    process.kill(pid, "SIGHUP");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ESRCH") throw e;
  }
}
