import { constants, type Stats } from "node:fs";
import { chmod, lchown, link, lstat, lutimes, mkdir, open, readdir, readlink, symlink } from "node:fs/promises";
import { join } from "node:path";
import { resolveInRoot } from "./resolve-in-root.js";

/** What {@link copyUp} copied. */
export interface CopyUpResult {
  /** Directories, files, symlinks and hard links made below the destination. */
  readonly entries: number;
  /** Paths (relative to the target) of devices, FIFOs and sockets, which are not copied. */
  readonly skipped: readonly string[];
}

const CHUNK = 1024 * 1024;

/**
 * docker's copy-up: copy what the image holds at container path `target`
 * (resolved inside `rootfs`, see {@link resolveInRoot}) into the empty
 * directory `dest`, keeping modes (setuid, sticky), owners (when running as
 * root), modification times, symlinks as links and hard links as links;
 * `dest` itself takes the mode and owner of the image's directory, as a
 * volume over `/var/lib/mysql` takes mysql's. Nothing is followed: a
 * symlink in the image (`x → /etc/passwd`, `y → ../../..`) is copied as a
 * link, so its target is read by the container in the container, never by
 * berth on the host. Devices, FIFOs and sockets are skipped (Node cannot
 * make them) and listed. Resolves undefined when `target` is missing in the
 * image or is not a directory; nothing is copied then.
 */
export async function copyUp(rootfs: string, target: string, dest: string): Promise<CopyUpResult | undefined> {
  const source = await resolveInRoot(rootfs, target);
  const top = source === undefined ? undefined : await lstat(source);
  if (source === undefined || top === undefined || !top.isDirectory()) return undefined;
  const copier = new TreeCopier();
  await copier.own(dest, top);
  await copier.copyTree(source, dest);
  await copier.finishDirs();
  await chmod(dest, top.mode & 0o7777);
  await lutimes(dest, top.atime, top.mtime);
  return { entries: copier.entries, skipped: copier.skipped };
}

class TreeCopier {
  entries = 0;
  readonly skipped: string[] = [];
  /** Copied inodes with more than one link, by `dev:ino`: later names become hard links to the first copy. */
  private readonly linked = new Map<string, string>();
  /** Directories whose mode and times are set after their contents (a 0555 dir would refuse its children). */
  private readonly dirs: [string, Stats][] = [];
  private readonly canChown = process.getuid?.() === 0;

  async copyTree(from: string, to: string): Promise<void> {
    const pending: [string, string, string][] = [[from, to, ""]];
    for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
      const [src, dst, rel] = next;
      for (const name of (await readdir(src)).sort()) {
        const s = join(src, name);
        const d = join(dst, name);
        const st = await lstat(s);
        if (st.isDirectory()) {
          await mkdir(d, { mode: 0o700 });
          await this.own(d, st);
          this.dirs.push([d, st]);
          pending.push([s, d, `${rel}/${name}`]);
        } else if (st.isSymbolicLink()) {
          await symlink(await readlink(s), d);
          await this.own(d, st);
          await lutimes(d, st.atime, st.mtime);
        } else if (st.isFile()) {
          await this.copyFile(s, d, st);
        } else {
          this.skipped.push(`${rel}/${name}`);
          continue;
        }
        this.entries++;
      }
    }
  }

  async finishDirs(): Promise<void> {
    for (const [d, st] of this.dirs.reverse()) {
      await chmod(d, st.mode & 0o7777);
      await lutimes(d, st.atime, st.mtime);
    }
  }

  async own(path: string, st: Stats): Promise<void> {
    if (this.canChown) await lchown(path, st.uid, st.gid);
  }

  private async copyFile(src: string, dst: string, st: Stats): Promise<void> {
    const inode = `${st.dev}:${st.ino}`;
    const first = st.nlink > 1 ? this.linked.get(inode) : undefined;
    if (first !== undefined) {
      await link(first, dst);
      return;
    }
    // O_NOFOLLOW: should the entry have become a link since lstat, refuse rather than read through it.
    const input = await open(src, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      const output = await open(dst, "wx", 0o600);
      try {
        const buf = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(st.size, 1)));
        // Bounded by the size lstat saw: a file growing under us is copied as it was.
        for (let left = st.size; left > 0;) {
          const { bytesRead } = await input.read(buf, 0, Math.min(buf.length, left), null);
          if (bytesRead === 0) break;
          for (let off = 0; off < bytesRead;) off += (await output.write(buf, off, bytesRead - off)).bytesWritten;
          left -= bytesRead;
        }
      } finally {
        await output.close();
      }
    } finally {
      await input.close();
    }
    await this.own(dst, st);
    // After chown, which clears setuid and setgid bits.
    await chmod(dst, st.mode & 0o7777);
    await lutimes(dst, st.atime, st.mtime);
    if (st.nlink > 1) this.linked.set(inode, dst);
  }
}
