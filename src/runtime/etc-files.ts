import { readSmallFile } from "./internal/read-small-file.js";
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
  await writeEtcContents(files, await isolatedEtcTexts(hostname, network));
}

/** The texts {@link writeEtcFiles} writes. */
export async function isolatedEtcTexts(hostname: string, network: "none" | "host"): Promise<EtcTexts> {
  const hosts = network === "host" ? await hostFile("/etc/hosts") : `${LOOPBACK_HOSTS}127.0.1.1\t${hostname}\n`;
  return { hostname, hosts, resolvConf: await hostFile("/etc/resolv.conf") };
}

/** The contents of the three files. */
export interface EtcTexts {
  readonly hostname: string;
  readonly hosts: string;
  readonly resolvConf: string;
}

/** A host file's text; "" when unreadable. */
export const hostFile = async (path: string): Promise<string> => readSmallFile(path) ?? "";

/** Write the three files' texts (remade at every start, so atomic but not fsynced). */
export async function writeEtcContents(files: EtcFiles, texts: EtcTexts): Promise<void> {
  const opts = { mode: 0o644, durable: false } as const;
  await writeFileAtomic(files.hostname, `${texts.hostname}\n`, opts);
  await writeFileAtomic(files.hosts, texts.hosts, opts);
  await writeFileAtomic(files.resolvConf, texts.resolvConf, opts);
}
