/**
 * Build contexts for the COPY/ADD comparisons, and a small stand-in for the
 * Dockerfile executor that applies a Dockerfile's COPY, ADD and WORKDIR
 * lines with berth's copyIntoRootfs — enough to run the very Dockerfile
 * that `docker build` runs, without the rest of the builder.
 */
import { chmod, link, lutimes, mkdir, readdir, lstat, symlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { copyIntoRootfs, mkdirInRootfs } from "../../../../src/build/dockerfile/copy-into-rootfs.js";
import type { CopySourceRoot, SourceFilter } from "../../../../src/build/dockerfile/copy-source-tree.js";
import { IgnoreRules } from "../../../../src/build/node-app/ignore-rules.js";

/** One context entry: file content, or a described file, directory, symlink or hard link. */
export type ContextEntry =
  | string
  | Buffer
  | { readonly content: string | Buffer; readonly mode: number }
  | { readonly dir: true; readonly mode?: number }
  | { readonly symlink: string }
  | { readonly hardlink: string };

/** Past times for context entries: distinct per entry and with a fraction, so a builder that drops or mixes them up shows. */
const CONTEXT_EPOCH = 981_173_106.789;

/**
 * Write `entries` (paths relative to `dir`, parents made 0755) in order,
 * then give every entry below `dir` its own past mtime, deepest first.
 */
export async function writeContext(dir: string, entries: Readonly<Record<string, ContextEntry>>): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [path, e] of Object.entries(entries)) {
    const at = join(dir, path);
    await mkdir(dirname(at), { recursive: true });
    if (typeof e === "string" || Buffer.isBuffer(e)) await writeFile(at, e);
    else if ("content" in e) {
      await writeFile(at, e.content);
      await chmod(at, e.mode);
    } else if ("dir" in e) {
      await mkdir(at, { recursive: true });
      if (e.mode !== undefined) await chmod(at, e.mode);
    } else if ("symlink" in e) await symlink(e.symlink, at);
    else await link(join(dir, e.hardlink), at);
  }
  let i = 0;
  const stamp = async (rel: string): Promise<void> => {
    for (const name of (await readdir(join(dir, rel))).sort()) {
      const path = join(dir, rel, name);
      if ((await lstat(path)).isDirectory()) await stamp(join(rel, name));
      const t = CONTEXT_EPOCH + 1000 * i++;
      await lutimes(path, t, t);
    }
  };
  await stamp("");
}

/** `.dockerignore` rules as the executor's filter applies them (DockerContextFilter's logic). */
export function dockerignoreFilter(text: string): SourceFilter {
  const rules = IgnoreRules.parse(text, "dockerignore", ".dockerignore");
  return { isIncluded: (p, isDir) => !rules.isExcluded(p, isDir), shouldDescend: (d) => rules.mayReincludeBelow(d) };
}

/** Where `COPY --from=NAME` reads for berth: a flattened rootfs per image name. */
export type FromRoots = Readonly<Record<string, string>>;

/**
 * Apply the COPY, ADD and WORKDIR lines of `dockerfile` to `rootfs` as the
 * executor will (FROM is the rootfs already there; other instructions are
 * refused so a case cannot silently test less than docker ran). Words are
 * split on blanks: test cases name awkward files by wildcards.
 */
export async function applyDockerfile(dockerfile: string, rootfs: string, context: string, opts: { filter?: SourceFilter; from?: FromRoots; tmpDir: string }): Promise<void> {
  let workdir = "/";
  for (const line of dockerfile.split("\n").map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#"))) {
    const [instruction, ...words] = line.split(/\s+/);
    const flags = new Map<string, string>();
    while (words[0]?.startsWith("--")) {
      const [name, value = ""] = words.shift()!.slice(2).split(/=(.*)/s);
      flags.set(name!, value);
    }
    switch (instruction!.toUpperCase()) {
      case "FROM":
        break;
      case "WORKDIR":
        workdir = words[0]!.startsWith("/") ? words[0]! : join(workdir, words[0]!);
        await mkdirInRootfs(rootfs, workdir);
        break;
      case "COPY":
      case "ADD": {
        const from = flags.get("from");
        const source: CopySourceRoot = from === undefined
          ? { kind: "context", dir: context, ...(opts.filter && { filter: opts.filter }) }
          : { kind: "rootfs", dir: opts.from?.[from] ?? assertNever(`no rootfs for --from=${from}`) };
        await copyIntoRootfs({
          rootfs, kind: instruction!.toUpperCase() as "COPY" | "ADD", source, sources: words.slice(0, -1), destination: words.at(-1)!, workdir, tmpDir: opts.tmpDir,
          ...(flags.has("chown") && { chown: flags.get("chown")! }),
          ...(flags.has("checksum") && { checksum: flags.get("checksum")! }),
        });
        break;
      }
      default:
        throw new Error(`applyDockerfile: ${instruction} is not applied by this test helper`);
    }
  }
}

function assertNever(message: string): never {
  throw new Error(message);
}
