import type { DistributionRoute } from "../../oci/index.js";
import type { AccessScope } from "./access-scope.js";

const repo = (name: string, ...actions: string[]): AccessScope => ({ type: "repository", name, actions });

/**
 * The access a distribution API request needs, as distribution's
 * `appendAccessRecords`: reads (GET, HEAD) need pull; writes (PUT, POST,
 * PATCH) need pull and push, uploads included; DELETE of a manifest or blob
 * needs delete. The catalog needs `registry:catalog:*`, and `/v2/` nothing
 * (an empty list: only "are the credentials valid"). The source of a
 * cross-repository mount is checked apart, see {@link mountSourceScope}.
 */
export function requiredScopes(method: string, route: DistributionRoute): AccessScope[] {
  const m = method.toUpperCase();
  const read = m === "GET" || m === "HEAD";
  switch (route.kind) {
    case "base":
      return [];
    case "catalog":
      return [{ type: "registry", name: "catalog", actions: ["*"] }];
    case "manifest":
    case "blob":
      if (read) return [repo(route.name, "pull")];
      if (m === "DELETE") return [repo(route.name, "delete")];
      return [repo(route.name, "pull", "push")];
    case "uploads":
    case "upload":
      // Every step of an upload session, status and cancel too, is part of a push.
      return [repo(route.name, "pull", "push")];
    case "tags":
    case "referrers":
      return [repo(route.name, "pull")];
  }
}

/**
 * The pull on the source repository that a cross-repository mount
 * (`POST /v2/<name>/blobs/uploads/?mount=<digest>&from=<other>`) needs, or
 * undefined when the request is no mount. Authorize it after
 * {@link requiredScopes}: when it is refused, ignore `mount` and start an
 * ordinary upload (202), as the distribution-spec allows; otherwise a blob
 * could be copied out of a repository its digest is known for but not readable.
 */
export function mountSourceScope(route: DistributionRoute, query: URLSearchParams): AccessScope | undefined {
  const from = query.get("from");
  if (route.kind !== "uploads" || !from || !query.get("mount") || from === route.name) return undefined;
  return repo(from, "pull");
}
