import {
  InvalidArgumentError, MANIFEST_MEDIA_TYPES, MediaType, bareMediaType, digestAlgorithm, digestOf, distributionPath, isBerthError,
  isDigest, isValidTag, parseDigest, parseManifest, type Descriptor, type Digest, type ParsedManifest,
} from "../oci/index.js";
import { repositoryScope } from "./auth/authenticator.js";
import { ManifestDigestMismatchError, ManifestTooLargeError } from "./errors.js";
import type { HttpResponse } from "./http-transport.js";
import type { RegistryTransport } from "./registry-transport.js";
import { RegistryResponseError } from "./registry-response-error.js";

/** Manifests larger than this are refused unread, as registries refuse to store them. */
export const MAX_MANIFEST_BYTES = 4 << 20;

/** The Accept header of manifest requests: OCI and Docker schema2, manifests and indexes; schema 1 is left out. */
export const MANIFEST_ACCEPT = [MediaType.OciManifest, MediaType.OciIndex, MediaType.DockerManifest, MediaType.DockerManifestList].join(", ");

/** A manifest as fetched: its descriptor, its exact bytes, and what they parse to. */
export interface FetchedManifest {
  readonly descriptor: Descriptor;
  readonly bytes: Buffer;
  readonly parsed: ParsedManifest;
}

/** Options for {@link fetchManifest}. */
export interface FetchManifestOptions {
  readonly signal?: AbortSignal;
  /** The descriptor that named it (from an index): digest and size must match. */
  readonly expected?: Descriptor;
}

/** A tag or a digest, checked before it goes into a URL. */
export function parseManifestReference(reference: string): { readonly tag: string } | { readonly digest: Digest } {
  if (reference.includes(":")) return { digest: parseDigest(reference, `manifest reference "${reference}"`) };
  if (isValidTag(reference)) return { tag: reference };
  throw new InvalidArgumentError(`manifest reference "${reference.slice(0, 200)}": neither a tag nor a digest`, {
    hint: "a tag is 1 to 128 letters, digits, '_', '.' or '-' (not first); a digest is sha256:<64 hex>",
  });
}

/**
 * GET a manifest by tag or digest, and check it before anyone trusts it: at
 * most 4 MiB (a larger Content-Length is refused unread), the digest of its
 * bytes equal to the digest asked for, to `expected`, and to the registry's
 * Docker-Content-Digest, and it parses as an OCI or Docker schema2 manifest
 * or index. The descriptor's digest uses the algorithm of whichever digest
 * it was checked against (sha256 when none).
 */
export async function fetchManifest(t: RegistryTransport, repository: string, reference: string, opts: FetchManifestOptions = {}): Promise<FetchedManifest> {
  const ref = parseManifestReference(reference);
  const what = `${t.endpoint.host}/${repository}${"digest" in ref ? `@${ref.digest}` : `:${ref.tag}`}`;
  const { res, body: bytes } = await t.read({
    method: "GET", url: distributionPath.manifest(repository, reference), headers: { accept: MANIFEST_ACCEPT },
    scopes: [repositoryScope(repository, "pull")], expect: [200], ...(opts.signal && { signal: opts.signal }),
  }, MAX_MANIFEST_BYTES, (n) => new ManifestTooLargeError(what, MAX_MANIFEST_BYTES, n));
  const announced = res.header("docker-content-digest");
  const wanted = "digest" in ref ? ref.digest : opts.expected?.digest;
  for (const expected of [wanted, announced !== undefined && isDigest(announced) ? (announced as Digest) : undefined]) {
    if (expected === undefined) continue;
    const actual = digestOf(bytes, digestAlgorithm(expected));
    if (actual !== expected) throw new ManifestDigestMismatchError(what, expected, actual);
  }
  if (opts.expected !== undefined && opts.expected.size !== bytes.length) {
    throw new ManifestDigestMismatchError(`${what} (${bytes.length} bytes, the index says ${opts.expected.size})`, opts.expected.digest, digestOf(bytes, digestAlgorithm(opts.expected.digest)));
  }
  const parsed = parseFetched(bytes, res, what);
  const digest = wanted ?? (announced !== undefined && isDigest(announced) ? (announced as Digest) : digestOf(bytes));
  return { descriptor: { mediaType: parsed.mediaType, digest, size: bytes.length }, bytes, parsed };
}

/**
 * The descriptor a tag or digest names: HEAD first (no body moves), then GET
 * when HEAD is refused or lacks Content-Type, Docker-Content-Digest or
 * Content-Length. Auth refusals of the HEAD are thrown as they are.
 */
export async function resolveManifest(t: RegistryTransport, repository: string, reference: string, opts: { readonly signal?: AbortSignal } = {}): Promise<Descriptor> {
  const ref = parseManifestReference(reference);
  let res: HttpResponse | undefined;
  try {
    res = await t.send({
      method: "HEAD", url: distributionPath.manifest(repository, reference), headers: { accept: MANIFEST_ACCEPT },
      scopes: [repositoryScope(repository, "pull")], expect: [200], ...(opts.signal && { signal: opts.signal }),
    });
  } catch (e) {
    if (!(e instanceof RegistryResponseError) || e.status === 401 || e.status === 403) throw e;
  }
  if (res !== undefined) {
    res.discard();
    const d = headDescriptor(res);
    if (d !== undefined && (!("digest" in ref) || d.digest === ref.digest)) return d;
  }
  return (await fetchManifest(t, repository, reference, opts)).descriptor;
}

function headDescriptor(res: HttpResponse): Descriptor | undefined {
  const mediaType = bareMediaType(res.header("content-type"));
  const digest = res.header("docker-content-digest");
  const size = Number(res.header("content-length"));
  if (mediaType === undefined || !MANIFEST_MEDIA_TYPES.includes(mediaType)) return undefined;
  if (digest === undefined || !isDigest(digest) || !Number.isSafeInteger(size) || size < 0 || size > MAX_MANIFEST_BYTES) return undefined;
  return { mediaType, digest: digest as Digest, size };
}

function parseFetched(bytes: Buffer, res: HttpResponse, what: string): ParsedManifest {
  try {
    return parseManifest(bytes, res.header("content-type"));
  } catch (e) {
    if (!isBerthError(e, "INVALID_ARGUMENT")) throw e;
    throw new InvalidArgumentError(`${what}: ${e.message}`, { cause: e, ...(e.hint !== undefined && { hint: e.hint }) });
  }
}
