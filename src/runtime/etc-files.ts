import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../content/index.js";

/** Host paths of the files bind-mounted over the container's /etc/hostname, /etc/hosts and /etc/resolv.conf. */
export interface EtcFiles {
  readonly hostname: string;
  readonly hosts: string;
  readonly resolvConf: string;
}

/** Where {@link writeEtcFiles} puts them for the container in `dir`. */
export const etcFilesIn = (dir: string): EtcFiles => ({
  hostname: join(dir, "hostname"),
  hosts: join(dir, "hosts"),
  resolvConf: join(dir, "resolv.conf"),
});

const LOOPBACK_HOSTS = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n";

/**
 * Write the container's /etc files as docker does (remade at every start, so not fsynced): its hostname; for
 * `--network host` the host's hosts file, otherwise loopback names and the
 * hostname on 127.0.0.1 so that it resolves; the host's resolv.conf (empty
 * when unreadable).
 */
export async function writeEtcFiles(files: EtcFiles, hostname: string, network: "none" | "host"): Promise<void> {
  const host = async (path: string): Promise<string> => readFile(path, "utf8").catch(() => "");
  await writeFileAtomic(files.hostname, `${hostname}\n`, { mode: 0o644, durable: false });
  const hosts = network === "host" ? await host("/etc/hosts") : `${LOOPBACK_HOSTS}127.0.1.1\t${hostname}\n`;
  await writeFileAtomic(files.hosts, hosts, { mode: 0o644, durable: false });
  await writeFileAtomic(files.resolvConf, await host("/etc/resolv.conf"), { mode: 0o644, durable: false });
}
