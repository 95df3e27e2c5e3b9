import { parseDigest, type Digest } from "./digest.js";
import { InvalidArgumentError } from "./errors.js";

/**
 * An image reference, normalised as Docker does (distribution/reference's
 * ParseNormalizedNamed followed by TagNameOnly):
 *
 *     [registry/]repository[:tag][@digest]
 *     nginx                        → docker.io / library/nginx : latest
 *     index.docker.io/foo/bar:1    → docker.io / foo/bar       : 1
 *     localhost:5000/a/b@sha256:…  → localhost:5000 / a/b      @ sha256:…
 *
 * Only parseReference makes one, so holders can trust every field.
 */
export interface Reference {
  /** The registry host, with its port when given: "docker.io", "localhost:5000", "[::1]:5000". */
  readonly registry: string;
  /** The path inside the registry, the distribution-spec `<name>`: "library/nginx". */
  readonly repository: string;
  /** Absent only when a digest is given without a tag. */
  readonly tag?: string;
  readonly digest?: Digest;
}

const DEFAULT_REGISTRY = "docker.io";
// The Docker Hub's old name ("the Docker Index"), still accepted and folded into docker.io.
const LEGACY_DEFAULT_REGISTRY = "index.docker.io";
const OFFICIAL_NAMESPACE = "library/";
const DEFAULT_TAG = "latest";
// Counted on the repository path only: distribution/reference stopped counting the
// registry in 2024 (distribution/reference#9), and docker follows it.
const REPOSITORY_MAX_LENGTH = 255;

const PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const PATH_COMPONENT_RE = new RegExp(`^${PATH_COMPONENT}$`);
const REPOSITORY_RE = new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
// Same language as regexp.go's domainNameComponent (alphanumerics, inner dashes), written
// without the overlapping `[a-z0-9-]*[a-z0-9]` so that a long input cannot backtrack.
const DOMAIN_COMPONENT = "[a-zA-Z0-9]+(?:-+[a-zA-Z0-9]+)*";
const IPV6_HOST = "\\[[a-fA-F0-9:]+\\]";
const REGISTRY_RE = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|${IPV6_HOST})(?::[0-9]+)?$`);
const TAG_RE = /^\w[\w.-]{0,127}$/;
const IMAGE_ID_RE = /^[a-f0-9]{64}$/;

const REFERENCE_HINT = "a reference looks like [registry[:port]/]repository[:tag][@digest], e.g. nginx:1.27";
const REPOSITORY_HINT =
  "path components are lower-case letters and digits, joined by '.', '_', '__' or dashes, separated by '/'";
const LOWERCASE_HINT = "repository name must be lowercase";

/** True when `s` is a valid tag: `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`. */
export const isValidTag = (s: string): boolean => TAG_RE.test(s);

/**
 * Parse and normalise an image reference exactly as `docker pull` reads it.
 *
 * - The first '/'-separated component is the registry when it contains '.' or ':',
 *   is "localhost", or has an upper-case letter; otherwise the registry is docker.io.
 *   index.docker.io becomes docker.io, and a one-component docker.io repository
 *   gets the "library/" namespace.
 * - The tag defaults to "latest" only when neither tag nor digest is given; a tag
 *   and a digest given together are both kept.
 * - The digest must be one berth can verify (sha256 or sha512, see parseDigest).
 *
 * Throws InvalidArgumentError naming the input and the part that is wrong: an empty
 * input, a bare 64-hex string (ambiguous with an image ID), an upper-case repository,
 * a malformed registry, path, tag or digest, or a repository over 255 characters (the
 * registry is not counted, as in distribution/reference since 2024). One deliberate
 * difference from docker: a first component that looks like a host but is not a valid
 * one ("my_host.com/app") is an error, where docker yields a registry-less name.
 */
export function parseReference(s: string): Reference {
  const fail = (what: string, hint?: string): InvalidArgumentError =>
    new InvalidArgumentError(`reference "${s}": ${what}`, { hint });
  if (s === "") throw fail("is empty", REFERENCE_HINT);
  if (IMAGE_ID_RE.test(s)) {
    throw fail("a 64-character hex string is ambiguous with an image ID", `to name a repository, write docker.io/${s}`);
  }

  const { registry, remainder } = splitRegistry(s);
  const at = remainder.indexOf("@");
  const named = at < 0 ? remainder : remainder.slice(0, at);
  const colon = named.indexOf(":");
  const path = colon < 0 ? named : named.slice(0, colon);
  const tag = colon < 0 ? undefined : named.slice(colon + 1);

  if (!REGISTRY_RE.test(registry)) {
    // docker would reparse such an input (e.g. "my_host.com/app") as a repository
    // with no registry at all; berth has no use for a registry-less reference.
    throw fail(
      `registry "${registry}" is not a valid host[:port]`,
      "a registry is a host name, an IPv4 address or a bracketed IPv6 address ([::1]), with an optional :port",
    );
  }
  if (path === "") throw fail("names no repository", REFERENCE_HINT);
  if (path.toLowerCase() !== path) throw fail(`repository "${path}" has upper-case letters`, LOWERCASE_HINT);
  const pathError = describePathError(path);
  if (pathError !== undefined) throw fail(`repository ${pathError}`, REPOSITORY_HINT);

  const repository = registry === DEFAULT_REGISTRY && !path.includes("/") ? OFFICIAL_NAMESPACE + path : path;
  if (repository.length > REPOSITORY_MAX_LENGTH) {
    throw fail(`repository is ${repository.length} characters, more than ${REPOSITORY_MAX_LENGTH}`);
  }
  if (tag !== undefined && !isValidTag(tag)) {
    throw fail(
      `tag "${tag}" is invalid`,
      "a tag is 1 to 128 letters, digits, '_', '.' or '-', and does not start with '.' or '-'",
    );
  }
  const digest = at < 0 ? undefined : parseDigest(remainder.slice(at + 1), `reference "${s}": digest`);

  return Object.freeze({
    registry,
    repository,
    ...(tag !== undefined || digest === undefined ? { tag: tag ?? DEFAULT_TAG } : {}),
    ...(digest !== undefined ? { digest } : {}),
  });
}

/**
 * Validate a repository name as it appears in registry URLs (`/v2/<name>/…`): the
 * distribution-spec `<name>` grammar, at most 255 characters, no registry, tag or
 * digest. Returns `s` unchanged; throws InvalidArgumentError naming the input otherwise.
 */
export function parseRepositoryName(s: string): string {
  const fail = (what: string, hint: string): InvalidArgumentError =>
    new InvalidArgumentError(`repository name "${s}": ${what}`, { hint });
  if (s === "") throw fail("is empty", REPOSITORY_HINT);
  // Length first: the grammar check below then never sees a huge input.
  if (s.length > REPOSITORY_MAX_LENGTH) {
    throw fail(`is ${s.length} characters, more than ${REPOSITORY_MAX_LENGTH}`, "use a shorter name");
  }
  if (REPOSITORY_RE.test(s)) return s;
  if (/[:@]/.test(s)) throw fail("has a tag, digest or port", "a repository name is only the path, e.g. library/nginx");
  if (s.toLowerCase() !== s) throw fail("has upper-case letters", LOWERCASE_HINT);
  throw fail(describePathError(s) ?? "is invalid", REPOSITORY_HINT);
}

/** The full, normalised form: `docker.io/library/nginx:latest`, then `@digest` when present. */
export function formatReference(r: Reference): string {
  return `${r.registry}/${r.repository}${suffix(r)}`;
}

/**
 * The short form docker shows: docker.io and an official image's "library/" are
 * dropped (`nginx:latest`, `foo/bar:1`); other registries stay (`ghcr.io/a/b:1`).
 */
export function familiarName(r: Reference): string {
  let name = `${r.registry}/${r.repository}`;
  if (r.registry === DEFAULT_REGISTRY) {
    const official = r.repository.startsWith(OFFICIAL_NAMESPACE) ? r.repository.slice(OFFICIAL_NAMESPACE.length) : "";
    // "library/a/b" keeps its namespace: only one-component official names are shortened.
    name = official !== "" && !official.includes("/") ? official : r.repository;
  }
  return name + suffix(r);
}

const suffix = (r: Reference): string =>
  (r.tag !== undefined ? `:${r.tag}` : "") + (r.digest !== undefined ? `@${r.digest}` : "");

/** Docker's registry rule (normalize.go splitDockerDomain), before any validation. */
function splitRegistry(s: string): { registry: string; remainder: string } {
  const slash = s.indexOf("/");
  if (slash < 0) return { registry: DEFAULT_REGISTRY, remainder: s };
  const first = s.slice(0, slash);
  const rest = s.slice(slash + 1);
  if (first === LEGACY_DEFAULT_REGISTRY) return { registry: DEFAULT_REGISTRY, remainder: rest };
  // An upper-case first component cannot be a namespace, so docker takes it as a host.
  if (first === "localhost" || /[.:]/.test(first) || first.toLowerCase() !== first) {
    return { registry: first, remainder: rest };
  }
  return { registry: DEFAULT_REGISTRY, remainder: s };
}

/** What is wrong with a repository path, or undefined when it is valid. */
function describePathError(path: string): string | undefined {
  for (const component of path.split("/")) {
    if (component === "") return `"${path}" has an empty path component`;
    if (!PATH_COMPONENT_RE.test(component)) return `path component "${component}" is invalid`;
  }
  return undefined;
}
