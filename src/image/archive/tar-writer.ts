import { Readable, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { pack as tarPack, type Header, type Pack } from "tar-stream";
import { archiveMtime, openFile, type ArchiveFile, type ArchiveWriteOptions } from "./archive-file.js";
import { whenDrained } from "../../content/index.js";

/**
 * Write `files` as one tar into `out`, deterministically: entries sorted by
 * path, each file's parent directories as entries of their own, owner 0:0
 * with no user or group names, modes 0644 and 0755, every mtime
 * {@link archiveMtime}. The same files give the same bytes. Files are
 * streamed one at a time; a source that yields more or fewer bytes than its
 * size fails the write, and `out` is destroyed. `out` is ended unless
 * `opts.end` is false.
 */
export async function writeTar(files: readonly ArchiveFile[], out: Writable, opts: ArchiveWriteOptions = {}): Promise<void> {
  const mtime = archiveMtime(opts);
  const pack = tarPack();
  const pumping = pipeline(Readable.from(pack), out, { end: opts.end ?? true, ...(opts.signal && { signal: opts.signal }) });
  pumping.catch((e: unknown) => pack.destroy(e instanceof Error ? e : new Error(String(e))));
  try {
    for (const entry of withDirectories(files)) {
      opts.signal?.throwIfAborted();
      const base = { name: entry.path, mtime, uid: 0, gid: 0, uname: "", gname: "" };
      if (entry.file === undefined) {
        await writeEntry(pack, { ...base, name: `${entry.path}/`, type: "directory", mode: 0o755 });
      } else {
        await writeEntry(pack, { ...base, type: "file", mode: 0o644, size: entry.file.size }, entry.file);
      }
    }
    pack.finalize();
  } catch (e) {
    pack.destroy(e instanceof Error ? e : new Error(String(e)));
    await pumping.catch(() => undefined);
    throw e;
  }
  await pumping;
}

/** Files and the directories above them, sorted by path (a parent sorts before its children). */
function withDirectories(files: readonly ArchiveFile[]): { path: string; file?: ArchiveFile }[] {
  const byPath = new Map<string, { path: string; file?: ArchiveFile }>();
  for (const file of files) {
    const parts = file.path.split("/");
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join("/");
      if (!byPath.has(dir)) byPath.set(dir, { path: dir });
    }
    byPath.set(file.path, { path: file.path, file });
  }
  return [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

type EntrySink = ReturnType<Pack["entry"]>;
type EntryHeader = Partial<Header> & Pick<Header, "name">;

/** Add one entry and resolve when tar-stream has taken all of it. */
function writeEntry(pack: Pack, header: EntryHeader, file?: ArchiveFile): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const sink = pack.entry(header, (err) => (err ? reject(err) : resolve()));
    if (file === undefined) return;
    copy(file, sink).catch((e: unknown) => {
      sink.destroy(e instanceof Error ? e : new Error(String(e)));
      reject(e);
    });
  });
}

async function copy(file: ArchiveFile, sink: EntrySink): Promise<void> {
  let n = 0;
  for await (const chunk of await openFile(file)) {
    n += chunk.length;
    if (n > file.size) throw new Error(`archive: ${file.path} has more than the ${file.size} bytes expected`);
    if (!sink.write(chunk)) await whenDrained(sink);
    if (sink.destroyed) return;
  }
  if (n !== file.size) throw new Error(`archive: ${file.path} has ${n} bytes, ${file.size} were expected`);
  sink.end(null);
}
