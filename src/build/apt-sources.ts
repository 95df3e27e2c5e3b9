import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { InvalidArgumentError } from "../oci/index.js";
import { fieldOf, parseControlStanzas } from "./control-stanzas.js";

/** One `deb` repository: a base URL, one suite, its components and the keyring that signs it. */
export interface AptSource {
  readonly uri: string;
  readonly suite: string;
  readonly components: readonly string[];
  /** Keyring file from Signed-By, when the entry names one. */
  readonly signedBy?: string;
}

const words = (v: string | undefined): string[] => (v ?? "").split(/\s+/).filter(Boolean);

// Signed-By may also hold fingerprints or an inline key; berth uses only a keyring path.
const keyringPath = (v: string | undefined): { signedBy?: string } =>
  v !== undefined && v.trim().startsWith("/") && !v.includes("\n") ? { signedBy: v.trim() } : {};

/** Parse a deb822 `.sources` file: `deb` entries that are not `Enabled: no`, one AptSource per URI and suite. */
export function parseDeb822Sources(text: string, file: string): AptSource[] {
  const out: AptSource[] = [];
  for (const s of parseControlStanzas(text, file)) {
    if (!words(fieldOf(s, "Types")).includes("deb") || fieldOf(s, "Enabled")?.toLowerCase() === "no") continue;
    const components = words(fieldOf(s, "Components"));
    for (const uri of words(fieldOf(s, "URIs"))) {
      for (const suite of words(fieldOf(s, "Suites"))) out.push({ uri, suite, components, ...keyringPath(fieldOf(s, "Signed-By")) });
    }
  }
  return out;
}

/** Parse a one-line `sources.list`: `deb [opt=v …] URI SUITE COMPONENT…`; `deb-src` and comments are skipped. */
export function parseOneLineSources(text: string, file: string): AptSource[] {
  const out: AptSource[] = [];
  text.split("\n").forEach((raw, n) => {
    const line = raw.replace(/#.*$/, "").trim();
    if (line === "" || !/^deb\s/.test(line)) return;
    const m = /^deb\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)\s*(.*)$/.exec(line);
    if (!m) throw new InvalidArgumentError(`${file}:${n + 1}: expected "deb [options] URI SUITE COMPONENT…"`);
    const options = new Map(words(m[1]).map((o) => o.split("=", 2) as [string, string]));
    out.push({ uri: m[2]!, suite: m[3]!, components: words(m[4]), ...keyringPath(options.get("signed-by")) });
  });
  return out;
}

/**
 * The machine's apt sources, as apt reads them: `etc/apt/sources.list`, then
 * `etc/apt/sources.list.d/*.list` and `*.sources` in name order, below `root`.
 * Missing files are skipped; a malformed file throws naming it.
 */
export async function readAptSources(root = "/"): Promise<AptSource[]> {
  const dir = join(root, "etc/apt/sources.list.d");
  const out: AptSource[] = [];
  const read = (p: string): Promise<string | undefined> => readFile(p, "utf8").catch(() => undefined);
  const main = await read(join(root, "etc/apt/sources.list"));
  if (main !== undefined) out.push(...parseOneLineSources(main, join(root, "etc/apt/sources.list")));
  const names = (await readdir(dir).catch(() => [] as string[])).sort();
  for (const name of names) {
    const p = join(dir, name);
    if (name.endsWith(".list")) out.push(...parseOneLineSources((await read(p)) ?? "", p));
    else if (name.endsWith(".sources")) out.push(...parseDeb822Sources((await read(p)) ?? "", p));
  }
  return out;
}

/**
 * The sources that serve `suite` and its update suites (`bookworm`,
 * `bookworm-updates`, `bookworm-security`, `bookworm/updates`), keeping only
 * the `components` asked for. Order is kept: the first is the main suite.
 */
export function sourcesForSuite(all: readonly AptSource[], suite: string, components: readonly string[]): AptSource[] {
  return all
    .filter((s) => s.suite === suite || s.suite.startsWith(`${suite}-`) || s.suite.startsWith(`${suite}/`))
    .map((s) => ({ ...s, components: components.filter((c) => s.components.includes(c)) }))
    .filter((s) => s.components.length > 0);
}
