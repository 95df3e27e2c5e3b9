import type { IncomingMessage, ServerResponse } from "node:http";
import type { BlobInfo } from "../content/index.js";
import { digestParam } from "./blob-handler.js";
import { hasBody, readBody, sendEmpty } from "./http-util.js";
import { RegistryError } from "./registry-error.js";
import type { RepositoryStore } from "./repository-store.js";
import { location, rangeHeader, type UploadManager } from "./upload-manager.js";

// Bodies up to this size are hashed in memory and stored in one write: most
// config blobs and small layers skip the ingest directory entirely.
const IN_MEMORY_BLOB = 4 << 20;

export interface UploadContext {
  readonly store: RepositoryStore;
  readonly uploads: UploadManager;
  /** May the caller pull from `repository`? Used before a cross-repository mount. */
  readonly canPull: (repository: string) => Promise<boolean>;
}

function created(res: ServerResponse, name: string, info: BlobInfo): void {
  sendEmpty(res, 201, { Location: `/v2/${name}/blobs/${info.digest}`, "Docker-Content-Digest": info.digest });
}

function accepted(res: ServerResponse, name: string, uuid: string, offset: number): void {
  sendEmpty(res, 202, { Location: location(name, uuid), Range: rangeHeader(offset), "Docker-Upload-UUID": uuid });
}

/** Store a whole body under `digest`: in memory when small, else through an ingest. */
async function storeWhole(ctx: UploadContext, name: string, digestText: string, req: IncomingMessage): Promise<BlobInfo> {
  const digest = digestParam(digestText);
  const declared = Number(req.headers["content-length"]);
  let info: BlobInfo;
  if (Number.isFinite(declared) && declared <= IN_MEMORY_BLOB) {
    const body = await readBody(req, IN_MEMORY_BLOB, () => new RegistryError("SIZE_INVALID", "body larger than Content-Length"));
    try {
      info = await ctx.store.content.putBytes(body, { digest });
    } catch (e) {
      throw new RegistryError("DIGEST_INVALID", (e as Error).message, { detail: { digest }, cause: e });
    }
  } else {
    const uuid = ctx.uploads.start(name);
    try {
      info = await ctx.uploads.finish(name, uuid, digest, req);
    } catch (e) {
      await ctx.uploads.cancel(name, uuid).catch(() => undefined);
      throw e;
    }
  }
  await ctx.store.linkBlob(name, info.digest);
  return info;
}

/** POST /v2/<name>/blobs/uploads/: start an upload, or push whole (?digest=), or mount (?mount=&from=). */
export async function postUpload(ctx: UploadContext, name: string, query: URLSearchParams, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const mount = query.get("mount");
  if (mount !== null) {
    const digest = digestParam(mount, "mount");
    const from = query.get("from");
    if (from && (await ctx.canPull(from)) && (await ctx.store.hasBlobLink(from, digest)) && (await ctx.store.content.hasBlob(digest))) {
      await ctx.store.linkBlob(name, digest);
      const info = await ctx.store.content.info(digest);
      if (info) return created(res, name, info);
    }
    // Not mountable: fall back to an ordinary upload, as the spec allows.
  }
  const digest = query.get("digest");
  if (digest !== null) return created(res, name, await storeWhole(ctx, name, digest, req));
  const uuid = ctx.uploads.start(name);
  accepted(res, name, uuid, 0);
}

/** PATCH /v2/<name>/blobs/uploads/<uuid>: append a chunk (Content-Range checked) or a stream. */
export async function patchUpload(ctx: UploadContext, name: string, uuid: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const cr = req.headers["content-range"];
  let start: number | undefined;
  let length: number | undefined;
  if (cr !== undefined) {
    const m = /^(?:bytes[ =])?(\d+)-(\d+)(?:\/(?:\d+|\*))?$/.exec(cr.trim());
    if (!m) {
      throw new RegistryError("RANGE_INVALID", `Content-Range "${cr}" is not start-end`, { status: 416, headers: { Location: location(name, uuid) } });
    }
    start = Number(m[1]);
    length = Number(m[2]) - start + 1;
    if (length <= 0) throw new RegistryError("RANGE_INVALID", `Content-Range "${cr}" is empty or reversed`, { status: 416 });
  }
  const offset = await ctx.uploads.append(name, uuid, req, start, length);
  accepted(res, name, uuid, offset);
}

/** PUT /v2/<name>/blobs/uploads/<uuid>?digest=: finish, with an optional last chunk. */
export async function putUpload(ctx: UploadContext, name: string, uuid: string, query: URLSearchParams, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const digest = digestParam(query.get("digest"));
  const info = await ctx.uploads.finish(name, uuid, digest, hasBody(req) ? req : undefined);
  await ctx.store.linkBlob(name, info.digest);
  created(res, name, info);
}

/** GET /v2/<name>/blobs/uploads/<uuid>: how far the upload got. */
export async function getUpload(ctx: UploadContext, name: string, uuid: string, res: ServerResponse): Promise<void> {
  const offset = await ctx.uploads.offset(name, uuid);
  sendEmpty(res, 204, { Location: location(name, uuid), Range: rangeHeader(offset), "Docker-Upload-UUID": uuid });
}

/** DELETE /v2/<name>/blobs/uploads/<uuid>: cancel. */
export async function deleteUpload(ctx: UploadContext, name: string, uuid: string, res: ServerResponse): Promise<void> {
  await ctx.uploads.cancel(name, uuid);
  sendEmpty(res, 204);
}
