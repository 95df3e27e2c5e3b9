import type { ServerResponse } from "node:http";
import { MediaType, type Descriptor } from "../oci/index.js";
import { digestParam } from "./blob-handler.js";
import { sendJson } from "./http-util.js";
import { RegistryError } from "./registry-error.js";
import type { RepositoryStore } from "./repository-store.js";

/**
 * One page of a sorted list: the items after `last`, at most `n`, and the
 * Link header for the next page when there is one (distribution-spec, "Listing Tags").
 */
export function paginate(items: readonly string[], query: URLSearchParams, path: string): { page: string[]; link?: string } {
  const nText = query.get("n");
  const last = query.get("last");
  let n: number | undefined;
  if (nText !== null && nText !== "") {
    n = Number(nText);
    if (!Number.isInteger(n) || n < 0) {
      throw new RegistryError("UNSUPPORTED", `n: must be a non-negative integer, got "${nText}"`, { status: 400 });
    }
  }
  let rest = last ? items.filter((t) => t > last) : [...items];
  if (n === undefined || rest.length <= n) return { page: rest };
  rest = rest.slice(0, n);
  const next = rest[rest.length - 1];
  if (next === undefined) return { page: rest };
  return { page: rest, link: `<${path}?n=${n}&last=${encodeURIComponent(next)}>; rel="next"` };
}

/** GET /v2/<name>/tags/list */
export async function listTags(store: RepositoryStore, name: string, query: URLSearchParams, res: ServerResponse, method: string): Promise<void> {
  const tags = await store.listTags(name);
  if (tags === undefined) throw new RegistryError("NAME_UNKNOWN", `repository ${name}: not known`, { detail: { name } });
  const { page, link } = paginate(tags, query, `/v2/${name}/tags/list`);
  sendJson(res, 200, { name, tags: page }, link ? { Link: link } : {}, method);
}

/** GET /v2/_catalog */
export async function listCatalog(store: RepositoryStore, query: URLSearchParams, res: ServerResponse, method: string): Promise<void> {
  const { page, link } = paginate(await store.catalog(), query, "/v2/_catalog");
  sendJson(res, 200, { repositories: page }, link ? { Link: link } : {}, method);
}

/** GET /v2/<name>/referrers/<digest>[?artifactType=]: an image index of the manifests whose subject is <digest>. */
export async function listReferrers(
  store: RepositoryStore, name: string, digestText: string, query: URLSearchParams, res: ServerResponse, method: string,
): Promise<void> {
  const subject = digestParam(digestText);
  let manifests: Descriptor[] = await store.referrers(name, subject);
  const headers: Record<string, string> = { "Content-Type": MediaType.OciIndex };
  const artifactType = query.get("artifactType");
  if (artifactType) {
    manifests = manifests.filter((d) => d.artifactType === artifactType);
    headers["OCI-Filters-Applied"] = "artifactType";
  }
  sendJson(res, 200, { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests }, headers, method);
}
