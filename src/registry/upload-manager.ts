import { randomUUID } from "node:crypto";
import type { BlobInfo, BlobWriter, ContentStore } from "../content/index.js";
import type { Digest } from "../oci/index.js";
import { RegistryError } from "./registry-error.js";

interface Session {
  readonly name: string;
  writer: BlobWriter | undefined;
  // Requests on one upload run one after another, in arrival order.
  queue: Promise<unknown>;
  lastUsed: number;
}

// An upload left alone this long has its file handle closed; its bytes stay
// on disk and the next request resumes it.
const IDLE_CLOSE_MS = 60_000;
const EMPTY_SESSION_MS = 3_600_000;

/**
 * Blob upload sessions of the distribution API (POST, PATCH, PUT, GET, DELETE
 * on /blobs/uploads/<uuid>). An upload is an ingest in the content store named
 * `upload:<repository>:<uuid>`: its bytes survive a restart of the server and
 * become a visible blob only when PUT names a digest they match.
 */
export class UploadManager {
  private readonly sessions = new Map<string, Session>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly content: ContentStore) {
    this.sweeper = setInterval(() => void this.closeIdle(), IDLE_CLOSE_MS).unref();
  }

  /** Start an upload in `name`; returns its id. Nothing touches the disk until bytes arrive. */
  start(name: string): string {
    const uuid = randomUUID();
    this.sessions.set(uuid, { name, writer: undefined, queue: Promise.resolve(), lastUsed: Date.now() });
    return uuid;
  }

  /** Bytes received so far; throws BLOB_UPLOAD_UNKNOWN. */
  async offset(name: string, uuid: string): Promise<number> {
    return this.run(name, uuid, async (s) => s.writer?.offset ?? (await this.content.ingestOffset(ref(name, uuid))) ?? 0);
  }

  /**
   * Append a chunk. `start`, when the client sent Content-Range, must be the
   * current offset (else 416 with the offset so far). Returns the new offset.
   */
  async append(name: string, uuid: string, body: AsyncIterable<Uint8Array>, start?: number, length?: number): Promise<number> {
    return this.run(name, uuid, async (s) => {
      const w = await this.writerOf(s, uuid);
      if (start !== undefined && start !== w.offset) {
        throw new RegistryError("RANGE_INVALID", `upload ${uuid}: chunk starts at ${start}, expected ${w.offset}`, {
          status: 416,
          headers: { Range: rangeHeader(w.offset), Location: location(name, uuid), "Docker-Upload-UUID": uuid },
        });
      }
      const before = w.offset;
      try {
        const n = await w.writeStream(body);
        if (length !== undefined && n !== length) {
          throw new RegistryError("SIZE_INVALID", `upload ${uuid}: got ${n} bytes, Content-Length said ${length}`);
        }
      } catch (e) {
        // A cut connection keeps what arrived: the client may ask for the offset and resume.
        await w.flush().catch(() => undefined);
        if (e instanceof RegistryError) throw e;
        throw new RegistryError("BLOB_UPLOAD_INVALID", `upload ${uuid}: body broke off after ${w.offset - before} bytes`, { cause: e });
      }
      await w.flush();
      return w.offset;
    });
  }

  /**
   * Finish with `digest`, after appending `body` when given. On a digest or
   * size mismatch the upload is discarded and nothing becomes visible.
   */
  async finish(name: string, uuid: string, digest: Digest, body?: AsyncIterable<Uint8Array>): Promise<BlobInfo> {
    return this.run(name, uuid, async (s) => {
      const w = await this.writerOf(s, uuid);
      if (body) {
        try {
          await w.writeStream(body);
        } catch (e) {
          await w.flush().catch(() => undefined);
          throw new RegistryError("BLOB_UPLOAD_INVALID", `upload ${uuid}: body broke off`, { cause: e });
        }
      }
      this.sessions.delete(uuid);
      s.writer = undefined;
      try {
        return await w.commit({ digest });
      } catch (e) {
        throw new RegistryError("DIGEST_INVALID", (e as Error).message, { detail: { digest }, cause: e });
      }
    });
  }

  /** Drop an upload and its bytes. */
  async cancel(name: string, uuid: string): Promise<void> {
    await this.run(name, uuid, async (s) => {
      this.sessions.delete(uuid);
      if (s.writer) await s.writer.abort();
      else await this.content.abortIngest(ref(name, uuid));
    });
  }

  /** Stop the idle sweeper and close open files (bytes stay for resume). */
  async close(): Promise<void> {
    clearInterval(this.sweeper);
    for (const s of this.sessions.values()) {
      await s.queue.catch(() => undefined);
      await s.writer?.close();
      s.writer = undefined;
    }
  }

  private async run<T>(name: string, uuid: string, fn: (s: Session) => Promise<T>): Promise<T> {
    let s = this.sessions.get(uuid);
    if (!s) {
      // Not started by this process: an upload from before a restart, if its bytes are on disk.
      if (!(await this.content.hasIngest(ref(name, uuid)))) throw unknownUpload(uuid);
      s = this.sessions.get(uuid) ?? { name, writer: undefined, queue: Promise.resolve(), lastUsed: Date.now() };
      this.sessions.set(uuid, s);
    }
    if (s.name !== name) throw unknownUpload(uuid);
    const session = s;
    const result = session.queue.then(() => {
      session.lastUsed = Date.now();
      return fn(session);
    });
    session.queue = result.catch(() => undefined);
    return result;
  }

  private async writerOf(s: Session, uuid: string): Promise<BlobWriter> {
    s.writer ??= await this.content.writer(ref(s.name, uuid));
    return s.writer;
  }

  private async closeIdle(): Promise<void> {
    const now = Date.now();
    for (const [uuid, s] of this.sessions) {
      if (now - s.lastUsed < IDLE_CLOSE_MS) continue;
      // A session with no bytes has nothing on disk to resume from: keep it longer in memory.
      if (!s.writer && now - s.lastUsed < EMPTY_SESSION_MS && !(await this.content.hasIngest(ref(s.name, uuid)))) continue;
      await this.run(s.name, uuid, async (x) => {
        await x.writer?.close();
        x.writer = undefined;
      }).catch(() => undefined);
      this.sessions.delete(uuid);
    }
  }
}

export const ref = (name: string, uuid: string): string => `upload:${name}:${uuid}`;
export const location = (name: string, uuid: string): string => `/v2/${name}/blobs/uploads/${uuid}`;
/** The Range header of an upload: the inclusive range received, `0-0` when empty (as distribution sends it). */
export const rangeHeader = (offset: number): string => `0-${Math.max(0, offset - 1)}`;

const unknownUpload = (uuid: string): RegistryError =>
  new RegistryError("BLOB_UPLOAD_UNKNOWN", `upload ${uuid}: unknown`, { detail: { uuid } });
