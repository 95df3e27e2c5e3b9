import { BerthError, InvalidArgumentError, distributionPath, isValidTag } from "../oci/index.js";
import { repositoryScope } from "./auth/authenticator.js";
import type { RegistryTransport } from "./registry-transport.js";
import { displayUrl } from "./registry-response-error.js";

/** Options for {@link listTags}. */
export interface ListTagsOptions {
  readonly signal?: AbortSignal;
  /** Tags per page asked for (`n`); default: the registry's choice. */
  readonly pageSize?: number;
}

const MAX_PAGE_BYTES = 4 << 20;
const MAX_PAGES = 1000;
const NEXT_LINK = /<([^>]*)>\s*;\s*rel="?next"?/i;

/**
 * Every tag of `repository`, in the registry's order, following `Link: <…>;
 * rel="next"` pages (at most 1000, each at most 4 MiB, never to another
 * origin). Entries that are not valid tags are left out.
 */
export async function listTags(t: RegistryTransport, repository: string, opts: ListTagsOptions = {}): Promise<string[]> {
  const tags: string[] = [];
  let url: URL | undefined = t.url(distributionPath.tags(repository));
  if (opts.pageSize !== undefined) url.searchParams.set("n", String(Math.max(1, Math.floor(opts.pageSize))));
  for (let page = 0; url !== undefined; page++) {
    if (page >= MAX_PAGES) {
      throw new BerthError("UNAVAILABLE", `list tags of ${repository}: more than ${MAX_PAGES} pages`, { hint: "ask for larger pages, or the registry pages in a loop" });
    }
    const pageUrl: URL = url;
    const { res, body } = await t.read(
      { method: "GET", url: pageUrl, scopes: [repositoryScope(repository, "pull")], expect: [200], ...(opts.signal && { signal: opts.signal }) },
      MAX_PAGE_BYTES, () => new InvalidArgumentError(`${displayUrl(pageUrl)}: page over ${MAX_PAGE_BYTES} bytes`),
    );
    tags.push(...pageTags(body, url));
    const next = NEXT_LINK.exec(res.header("link") ?? "")?.[1];
    url = next === undefined ? undefined : t.url(new URL(next, url));
    if (url !== undefined && url.origin !== t.endpoint.baseUrl.origin) {
      throw new InvalidArgumentError(`list tags of ${repository}: next page on another origin (${url.origin}) refused`);
    }
  }
  return tags;
}

function pageTags(body: Buffer, url: URL): string[] {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString("utf8"));
  } catch {
    throw new InvalidArgumentError(`${displayUrl(url)}: tag list is not JSON`);
  }
  const tags = (doc as { tags?: unknown } | null)?.tags;
  if (tags === null || tags === undefined) return [];
  if (!Array.isArray(tags)) throw new InvalidArgumentError(`${displayUrl(url)}: tags: must be an array`);
  return tags.filter((x): x is string => typeof x === "string" && isValidTag(x));
}
