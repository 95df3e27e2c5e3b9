import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import { ContentStore } from "../content/index.js";
import { matchDistributionRoute, parseRepositoryName, type DistributionRoute } from "../oci/index.js";
import type { AuthConfig } from "./auth/auth-config.js";
import { createAuthorizer, type AccessScope } from "./auth/authorizer.js";
import { deleteBlob, getBlob } from "./blob-handler.js";
import { listCatalog, listReferrers, listTags } from "./discovery-handler.js";
import { sendEmpty, sendError, toRegistryError } from "./http-util.js";
import { DEFAULT_MAX_MANIFEST_BYTES, deleteManifest, getManifest, putManifest } from "./manifest-handler.js";
import { RegistryError } from "./registry-error.js";
import { RepositoryStore } from "./repository-store.js";
import { UploadManager } from "./upload-manager.js";
import { deleteUpload, getUpload, patchUpload, postUpload, putUpload, type UploadContext } from "./upload-handler.js";

export interface RegistryOptions {
  /** The registry's directory (blobs under content/, metadata under repositories/). */
  readonly root: string;
  /** Authentication and access rules; none means anonymous access to everything. */
  readonly auth?: AuthConfig;
  /** Largest manifest accepted; default 4 MiB. */
  readonly maxManifestBytes?: number;
  /** The URL clients reach the registry at (for the token realm); default from the request's Host. */
  readonly baseUrl?: () => string;
  /** One line per request, when given. */
  readonly log?: (line: string) => void;
}

/** An OCI distribution registry as a request handler, not yet listening anywhere. */
export interface Registry {
  readonly handle: (req: IncomingMessage, res: ServerResponse) => void;
  readonly repositories: RepositoryStore;
  readonly content: ContentStore;
  close(): Promise<void>;
}

const API_VERSION = { "Docker-Distribution-API-Version": "registry/2.0" };

/** Layout of a registry root: the content store and the repository links. */
export const registryPaths = (root: string): { content: string; repositories: string } => ({
  content: join(root, "content"),
  repositories: root,
});

/** Make a registry over `opts.root`. Serve it with serveRegistry or mount `handle` in any node http server. */
export async function createRegistry(opts: RegistryOptions): Promise<Registry> {
  const content = new ContentStore(registryPaths(opts.root).content);
  const store = new RepositoryStore(opts.root, content);
  const uploads = new UploadManager(content);
  let lastHost = "127.0.0.1";
  const authorizer = await createAuthorizer(opts.auth, {
    root: opts.root,
    baseUrl: opts.baseUrl ?? (() => `http://${lastHost}`),
  });
  const maxManifestBytes = opts.maxManifestBytes ?? DEFAULT_MAX_MANIFEST_BYTES;

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    if (req.headers.host) lastHost = req.headers.host;
    const started = Date.now();
    for (const [k, v] of Object.entries(API_VERSION)) res.setHeader(k, v);
    dispatch(req, res).catch((e: unknown) => {
      const err = toRegistryError(e);
      sendError(res, err, req.method ?? "GET");
      // The rest of a rejected body is not read; close so it is not taken for the next request.
      if (!req.complete) res.once("finish", () => req.socket.destroy());
    }).finally(() => {
      opts.log?.(`${req.method} ${req.url} ${res.statusCode} ${Date.now() - started}ms`);
    });
  };

  async function dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://registry");
    const method = req.method ?? "GET";
    if (authorizer.tokenHandler && url.pathname === authorizer.tokenPath) return authorizer.tokenHandler(req, res);
    const route = matchDistributionRoute(url.pathname);
    if (!route) throw new RegistryError("UNSUPPORTED", `no such endpoint: ${method} ${url.pathname}`, { status: 404 });
    if ("name" in route) checkName(route.name);
    const decision = await authorizer.authorize(req.headers.authorization, scopesFor(route, method));
    if (!decision.allowed) {
      throw new RegistryError(decision.code, decision.message, {
        status: decision.status,
        ...(decision.challenge && { headers: { "WWW-Authenticate": decision.challenge } }),
      });
    }
    const ctx: UploadContext = {
      store, uploads,
      canPull: async (repo) => (await authorizer.authorize(req.headers.authorization, [{ type: "repository", name: repo, actions: ["pull"] }])).allowed,
    };
    return serveRoute(ctx, route, method, url.searchParams, req, res);
  }

  function serveRoute(ctx: UploadContext, r: DistributionRoute, method: string, q: URLSearchParams, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const read = method === "GET" || method === "HEAD";
    switch (r.kind) {
      case "base":
        if (read) return done(() => sendEmpty(res, 200, { "Content-Type": "application/json" }));
        break;
      case "catalog":
        if (read) return listCatalog(store, q, res, method);
        break;
      case "manifest":
        if (read) return getManifest(store, r.name, r.reference, req, res);
        if (method === "PUT") return putManifest(store, r.name, r.reference, req, res, maxManifestBytes);
        if (method === "DELETE") return deleteManifest(store, r.name, r.reference, res);
        break;
      case "blob":
        if (read) return getBlob(store, r.name, r.digest, req, res);
        if (method === "DELETE") return deleteBlob(store, r.name, r.digest, res);
        break;
      case "uploads":
        if (method === "POST") return postUpload(ctx, r.name, q, req, res);
        break;
      case "upload":
        if (method === "PATCH") return patchUpload(ctx, r.name, r.uuid, req, res);
        if (method === "PUT") return putUpload(ctx, r.name, r.uuid, q, req, res);
        if (method === "GET") return getUpload(ctx, r.name, r.uuid, res);
        if (method === "DELETE") return deleteUpload(ctx, r.name, r.uuid, res);
        break;
      case "tags":
        if (read) return listTags(store, r.name, q, res, method);
        break;
      case "referrers":
        if (read) return listReferrers(store, r.name, r.digest, q, res, method);
        break;
    }
    throw new RegistryError("UNSUPPORTED", `${method} is not supported on ${r.kind}`, { status: 405 });
  }

  return {
    handle,
    repositories: store,
    content,
    close: () => uploads.close(),
  };
}

const done = (f: () => void): Promise<void> => {
  f();
  return Promise.resolve();
};

function checkName(name: string): void {
  try {
    parseRepositoryName(name);
  } catch (e) {
    throw new RegistryError("NAME_INVALID", (e as Error).message, { detail: { name } });
  }
}

/** What a request needs to be allowed to do, in Docker's token scope terms. */
export function scopesFor(r: DistributionRoute, method: string): AccessScope[] {
  const repo = (actions: string[]): AccessScope[] => ("name" in r ? [{ type: "repository", name: r.name, actions }] : []);
  const read = method === "GET" || method === "HEAD";
  switch (r.kind) {
    case "base":
      return [];
    case "catalog":
      return [{ type: "registry", name: "catalog", actions: ["*"] }];
    case "manifest":
    case "blob":
      return read ? repo(["pull"]) : method === "DELETE" ? repo(["delete"]) : repo(["pull", "push"]);
    // The source of a mount (?from=) is checked by the handler, so a mount from a
    // repository the caller cannot read falls back to an upload instead of failing.
    case "uploads":
    case "upload":
      return repo(["pull", "push"]);
    case "tags":
    case "referrers":
      return repo(["pull"]);
  }
}
