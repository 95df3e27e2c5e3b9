import { open, stat, type FileHandle } from "node:fs/promises";

/** What became of the log path since the cursor opened it. */
export type LogFileChange = "same" | "replaced" | "truncated" | "missing";

/**
 * An open log file and the offset read so far. The handle is held open on
 * purpose: conmon replaces the file at its size limit (a new `<log>.tmp`
 * renamed over `<log>`), and while we hold the old inode its number cannot
 * be reused by the new file, so comparing inode numbers tells the two apart.
 */
export class LogFileCursor {
  private constructor(
    readonly path: string,
    private file: FileHandle,
    private ino: number,
    private dev: number,
    /** Bytes of the file consumed so far. */
    public position: number,
  ) {}

  /** Open `path` at `position`; undefined when it does not exist. Other errors are thrown. */
  static async open(path: string, position = 0): Promise<LogFileCursor | undefined> {
    let file: FileHandle;
    try {
      file = await open(path, "r");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw e;
    }
    const st = await file.stat().catch(async (e: unknown) => {
      await file.close();
      throw e;
    });
    return new LogFileCursor(path, file, st.ino, st.dev, position);
  }

  /** The open file's size now (not the path's). */
  async size(): Promise<number> {
    return (await this.file.stat()).size;
  }

  /** The open file itself, for reads at chosen offsets. */
  get handle(): FileHandle {
    return this.file;
  }

  /** Up to `buffer.length` bytes from {@link position}, which moves past them; an empty result at the end. */
  async read(buffer: Buffer): Promise<Buffer> {
    const { bytesRead } = await this.file.read(buffer, 0, buffer.length, this.position);
    this.position += bytesRead;
    return buffer.subarray(0, bytesRead);
  }

  /**
   * Compare the path with the open file: another file there now
   * (`replaced`), the same file shorter than what was read (`truncated`,
   * as copytruncate does), or no file (`missing`, the moment between two
   * renames, or the container removed).
   */
  async change(): Promise<LogFileChange> {
    let st;
    try {
      st = await stat(this.path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return "missing";
      throw e;
    }
    if (st.ino !== this.ino || st.dev !== this.dev) return "replaced";
    return st.size < this.position ? "truncated" : "same";
  }

  /** Switch to the file now at the path, from its start; false when there is none (the old one stays open). */
  async reopen(): Promise<boolean> {
    const next = await LogFileCursor.open(this.path);
    if (next === undefined) return false;
    await this.file.close();
    this.file = next.file;
    this.ino = next.ino;
    this.dev = next.dev;
    this.position = 0;
    return true;
  }

  async close(): Promise<void> {
    await this.file.close();
  }
}
