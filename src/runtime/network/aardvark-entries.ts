import type { NetworkAttachment } from "./network-record.js";

/**
 * aardvark-dns's per-network config file, as netavark 1.4 writes it under
 * `<netavark config>/aardvark-dns/<network>` (aardvark-dns's config.md):
 *
 * ```
 * 10.89.3.1                                               listen addresses (the gateway)[ network DNS servers]
 * <64-hex id> 10.89.3.2  shop-web-1,web,3f2a9c0e1b7d 127.0.0.1   id, IPv4s, IPv6s (empty), names, [DNS servers]
 * ```
 *
 * Every name on a line answers with that line's addresses, so the service
 * name answers every replica that lists it; aardvark reads all files of the
 * directory again on SIGHUP.
 */

/** The names netavark gives a container on a network: its name (or short id) first, then the aliases (the short id among them). */
export function fullNames(containerId: string, a: NetworkAttachment): string[] {
  return [a.name ?? containerId.slice(0, 12), ...a.aliases];
}

/** The names that identify the container itself and stay when its aliases are taken away: its name and its short id. */
export function identityNames(containerId: string, a: NetworkAttachment): string[] {
  return [...new Set([a.name ?? containerId.slice(0, 12), containerId.slice(0, 12)])];
}

/** What {@link setEntryNames} made of a file. */
export interface EntryEdit {
  /** The file with the container's lines changed. */
  readonly text: string;
  /** Whether the file has a line for the container. */
  readonly found: boolean;
  /** Whether anything differs from the input. */
  readonly changed: boolean;
}

/**
 * Give the container's line(s) in an aardvark-dns config text the names
 * `names`, keeping the addresses and DNS servers, and every other line as
 * it is (the first line is the network's, never a container's). Pure.
 */
export function setEntryNames(text: string, containerId: string, names: readonly string[]): EntryEdit {
  const lines = text.split("\n");
  let found = false;
  const out = lines.map((line, i) => {
    if (i === 0 || line === "") return line;
    const fields = line.split(" ");
    if (fields[0] !== containerId || fields.length < 4) return line;
    found = true;
    return [fields[0], fields[1], fields[2], names.join(","), ...fields.slice(4)].join(" ");
  }).join("\n");
  return { text: out, found, changed: out !== text };
}
