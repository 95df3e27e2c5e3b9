import { randomBytes } from "node:crypto";
import { rm, writeFile } from "node:fs/promises";
import { findProgram, ProgramError, runProgram } from "./system-tools.js";

/** The xattr overlayfs reads to make an upper directory hide the lower ones. */
export const OPAQUE_XATTR = "trusted.overlay.opaque";

// A name goes into setfattr's restore file verbatim: printable ASCII without
// "=", "\" or spaces, in a namespace the kernel knows, so it cannot inject lines.
const NAME = /^(user|trusted|security|system)\.[\x21-\x3c\x3e-\x5b\x5d-\x7e]+$/;

/** Why an xattr was not applied, for the extractor's warnings. */
export interface XattrSkip {
  readonly path: string;
  readonly name: string;
  readonly reason: string;
}

/**
 * Extended attributes for one extraction, gathered and applied in one
 * `setfattr --restore` run at the end (Node has no setxattr; one process per
 * layer instead of one per file). Without setfattr installed they are
 * skipped with a warning each. Symlinks get theirs on the link itself
 * (`-h`). A path that is removed or replaced before the end must be
 * forgotten, so its attributes do not land on its successor.
 */
export class XattrWriter {
  private readonly pending = new Map<string, Map<string, Buffer>>();

  /** Validate and queue; returns why it was refused, or undefined when queued. */
  set(path: string, name: string, value: Buffer): string | undefined {
    if (!NAME.test(name)) return "not an xattr name berth can apply safely";
    let attrs = this.pending.get(path);
    if (attrs === undefined) this.pending.set(path, (attrs = new Map()));
    attrs.set(name, value);
    return undefined;
  }

  /** Drop what was queued for `path` and everything below it. */
  forget(path: string): void {
    const below = `${path}/`;
    for (const key of this.pending.keys()) if (key === path || key.startsWith(below)) this.pending.delete(key);
  }

  /** Paths queued to receive `name`. */
  pathsWith(name: string): string[] {
    return [...this.pending].filter(([, attrs]) => attrs.has(name)).map(([p]) => p);
  }

  get isEmpty(): boolean {
    return this.pending.size === 0;
  }

  /**
   * Apply everything queued. `scratch` is a path prefix for the restore file.
   * Attributes the filesystem does not support are returned as skips, as
   * containerd warns about them; any other failure throws.
   */
  async flush(scratch: string): Promise<XattrSkip[]> {
    if (this.pending.size === 0) return [];
    const setfattr = findProgram("setfattr");
    if (setfattr === undefined) {
      // Ordinary attributes are skipped with a warning, as containerd skips unsupported ones; an opaque directory cannot be.
      if (this.pathsWith(OPAQUE_XATTR).length > 0) {
        throw new Error("the setfattr program is not installed (Debian package attr); overlay opaque directories need it");
      }
      const skips = [...this.pending].flatMap(([path, attrs]) => [...attrs.keys()].map((name) => ({ path, name, reason: "the setfattr program (Debian package attr) is not installed" })));
      this.pending.clear();
      return skips;
    }
    const file = `${scratch}.xattrs-${randomBytes(6).toString("hex")}`;
    const lines: string[] = [];
    for (const [path, attrs] of this.pending) {
      lines.push(`# file: ${escapePath(path)}`);
      for (const [name, value] of attrs) lines.push(`${name}=0x${value.toString("hex")}`);
      lines.push("");
    }
    await writeFile(file, `${lines.join("\n")}\n`, { mode: 0o600 });
    try {
      await runProgram(setfattr, ["-h", `--restore=${file}`]);
      return [];
    } catch (e) {
      if (!(e instanceof ProgramError)) throw e;
      return this.classify(e);
    } finally {
      this.pending.clear();
      await rm(file, { force: true });
    }
  }

  private classify(e: ProgramError): XattrSkip[] {
    const skips: XattrSkip[] = [];
    for (const line of e.stderr.split("\n").filter((l) => l.trim() !== "")) {
      if (!/Operation not supported|Not supported/.test(line)) throw new Error(`setfattr failed: ${e.stderr.trim()}`);
      skips.push({ path: line.replace(/^setfattr: /, "").replace(/: Operation not supported.*$/, ""), name: "", reason: "the filesystem does not support it" });
    }
    return skips;
  }
}

/** Octal-escape a path as getfattr dumps do, so any byte survives the line format. */
function escapePath(path: string): string {
  let out = "";
  for (const byte of Buffer.from(path, "utf8")) {
    out += byte > 0x20 && byte < 0x7f && byte !== 0x5c ? String.fromCharCode(byte) : `\\${byte.toString(8).padStart(3, "0")}`;
  }
  return out;
}
