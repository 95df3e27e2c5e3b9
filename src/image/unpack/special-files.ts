import { link, rm } from "node:fs/promises";
import { findProgram, runProgram } from "./system-tools.js";

/** Why a device node, fifo or whiteout could not be made; the extractor names the entry. */
export class SpecialFileError extends Error {}

/**
 * Makes device nodes, fifos and overlayfs whiteouts (character devices 0/0)
 * with the `mknod` program, since Node cannot. Whiteouts are hard links of
 * one template made per layer, as overlayfs itself shares one whiteout inode
 * since Linux 5.8: a layer deleting thousands of files costs one process,
 * not thousands. Lifecycle: make* as often as needed, then dispose().
 */
export class SpecialFiles {
  private template: string | undefined;
  private templates = 0;

  /** `scratch` is a path prefix for templates on the destination's filesystem, outside the destination. */
  constructor(private readonly scratch: string) {}

  /** mknod `path` as a char or block device or a fifo, with permission bits `mode`. */
  async makeNode(path: string, type: "char" | "block" | "fifo", mode: number, major: number, minor: number): Promise<void> {
    const args = ["-m", (mode & 0o7777).toString(8), path, type === "char" ? "c" : type === "block" ? "b" : "p"];
    if (type !== "fifo") args.push(String(major), String(minor));
    await runProgram(mknod(), args);
  }

  /** Make `path` an overlayfs whiteout. */
  async makeWhiteout(path: string): Promise<void> {
    for (let attempt = 0; attempt < 2; attempt++) {
      if (this.template === undefined) {
        const template = `${this.scratch}.whiteout-${this.templates++}`;
        await runProgram(mknod(), ["-m", "0", template, "c", "0", "0"]);
        this.template = template;
      }
      try {
        await link(this.template, path);
        return;
      } catch (e) {
        // A filesystem's link count limit (65000 on ext4): start a new template.
        if ((e as NodeJS.ErrnoException).code !== "EMLINK") throw e;
        this.template = undefined;
      }
    }
    throw new SpecialFileError(`cannot link a whiteout at ${path}`);
  }

  /** Remove the templates; the whiteouts linked from them stay. */
  async dispose(): Promise<void> {
    for (let i = 0; i < this.templates; i++) await rm(`${this.scratch}.whiteout-${i}`, { force: true });
    this.template = undefined;
  }
}

function mknod(): string {
  const path = findProgram("mknod");
  if (path === undefined) throw new SpecialFileError("the mknod program (coreutils) is not installed");
  return path;
}
