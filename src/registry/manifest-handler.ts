import type { IncomingMessage, ServerResponse } from "node:http";
import {
  digestOf, isValidTag, parseDigest, parseManifest,
  type Descriptor, type Digest, type ParsedManifest,
} from "../oci/index.js";
import { readBody, sendEmpty } from "./http-util.js";
import { RegistryError } from "./registry-error.js";
import type { RepositoryStore } from "./repository-store.js";

/** The least a registry must accept (distribution-spec: "at least 4 megabytes"). */
export const DEFAULT_MAX_MANIFEST_BYTES = 4 << 20;

/** A manifest reference in a URL: a digest or a tag. */
export function parseManifestReference(reference: string): { digest: Digest } | { tag: string } {
  if (reference.includes(":")) {
    try {
      return { digest: parseDigest(reference, "reference") };
    } catch (e) {
      throw new RegistryError("DIGEST_INVALID", (e as Error).message, { detail: { reference }, status: 400 });
    }
  }
  if (!isValidTag(reference)) {
    throw new RegistryError("MANIFEST_INVALID", `reference "${reference}" is neither a tag nor a digest`, {
      detail: { reference },
      status: 400,
    });
  }
  return { tag: reference };
}

async function resolve(store: RepositoryStore, name: string, reference: string): Promise<Digest> {
  // A name that cannot be a tag names no manifest: 404, as for any unknown tag.
  if (!reference.includes(":") && !isValidTag(reference)) {
    throw new RegistryError("MANIFEST_UNKNOWN", `manifest ${name}:${reference}: not found (not a valid tag)`, { detail: { name, reference } });
  }
  const ref = parseManifestReference(reference);
  const digest = "digest" in ref ? ref.digest : await store.resolveTag(name, ref.tag);
  if (digest === undefined) {
    if (!(await store.exists(name))) throw new RegistryError("NAME_UNKNOWN", `repository ${name}: not known`, { detail: { name } });
    throw new RegistryError("MANIFEST_UNKNOWN", `manifest ${name}:${reference}: not found`, { detail: { name, reference } });
  }
  return digest;
}

/** GET and HEAD of /v2/<name>/manifests/<reference>. */
export async function getManifest(store: RepositoryStore, name: string, reference: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const digest = await resolve(store, name, reference);
  const m = await store.getManifest(name, digest);
  if (!m) throw new RegistryError("MANIFEST_UNKNOWN", `manifest ${name}@${digest}: not found`, { detail: { name, reference } });
  const etag = `"${m.digest}"`;
  if (req.headers["if-none-match"] === etag) {
    sendEmpty(res, 304, { "Docker-Content-Digest": m.digest, ETag: etag });
    return;
  }
  res.writeHead(200, {
    "Content-Type": m.mediaType,
    "Content-Length": m.bytes.length,
    "Docker-Content-Digest": m.digest,
    ETag: etag,
  });
  res.end(req.method === "HEAD" ? undefined : m.bytes);
}

/** PUT /v2/<name>/manifests/<reference>: validate, check what it names is here, store. */
export async function putManifest(
  store: RepositoryStore, name: string, reference: string, req: IncomingMessage, res: ServerResponse, maxBytes: number,
): Promise<void> {
  const ref = parseManifestReference(reference);
  const bytes = await readBody(req, maxBytes, () =>
    new RegistryError("MANIFEST_INVALID", `manifest is larger than ${maxBytes} bytes`, { status: 413, detail: { limit: maxBytes } }));
  const algorithm = "digest" in ref ? ref.digest.slice(0, ref.digest.indexOf(":")) as "sha256" | "sha512" : "sha256";
  const digest = digestOf(bytes, algorithm);
  if ("digest" in ref && ref.digest !== digest) {
    throw new RegistryError("DIGEST_INVALID", `manifest digest is ${digest}, but the URL names ${ref.digest}`, {
      detail: { expected: ref.digest, actual: digest },
    });
  }
  let parsed: ParsedManifest;
  try {
    parsed = parseManifest(bytes, req.headers["content-type"]);
  } catch (e) {
    throw new RegistryError("MANIFEST_INVALID", (e as Error).message, { cause: e });
  }
  await checkReferences(store, name, parsed);
  await store.content.putBytes(bytes, { digest });
  const referrer = parsed.subject && {
    subject: parsed.subject.digest,
    descriptor: referrerDescriptor(parsed, digest, bytes.length),
  };
  await store.putManifest(name, { digest, mediaType: parsed.mediaType, bytes }, {
    ...("tag" in ref && { tag: ref.tag }),
    ...(referrer && { referrer }),
  });
  const headers: Record<string, string> = {
    Location: `/v2/${name}/manifests/${digest}`,
    "Docker-Content-Digest": digest,
  };
  if (parsed.subject) headers["OCI-Subject"] = parsed.subject.digest;
  sendEmpty(res, 201, headers);
}

/** Every blob and child manifest must already be in the repository (foreign layers with urls excepted). */
async function checkReferences(store: RepositoryStore, name: string, parsed: ParsedManifest): Promise<void> {
  for (const d of parsed.blobs) {
    if (d.urls && d.urls.length > 0) continue;
    if (!(await store.hasBlobLink(name, d.digest)) || !(await store.content.hasBlob(d.digest))) {
      throw new RegistryError("MANIFEST_BLOB_UNKNOWN", `manifest names blob ${d.digest}, which is not in ${name}`, {
        detail: { digest: d.digest },
        });
    }
  }
  for (const d of parsed.children) {
    if ((await store.revision(name, d.digest)) === undefined) {
      throw new RegistryError("MANIFEST_BLOB_UNKNOWN", `index names manifest ${d.digest}, which is not in ${name}`, {
        detail: { digest: d.digest },
      });
    }
  }
}

function referrerDescriptor(parsed: ParsedManifest, digest: Digest, size: number): Descriptor {
  return {
    mediaType: parsed.mediaType,
    digest,
    size,
    ...(parsed.artifactType && { artifactType: parsed.artifactType }),
    ...(parsed.annotations && { annotations: parsed.annotations }),
  };
}

/** DELETE /v2/<name>/manifests/<reference>: a digest removes the manifest and its tags; a tag only the tag. */
export async function deleteManifest(store: RepositoryStore, name: string, reference: string, res: ServerResponse): Promise<void> {
  const ref = parseManifestReference(reference);
  const existed = "digest" in ref ? await store.deleteManifest(name, ref.digest) : await store.deleteTag(name, ref.tag);
  if (!existed) {
    if (!(await store.exists(name))) throw new RegistryError("NAME_UNKNOWN", `repository ${name}: not known`, { detail: { name } });
    throw new RegistryError("MANIFEST_UNKNOWN", `manifest ${name}:${reference}: not found`, { detail: { name, reference } });
  }
  sendEmpty(res, 202);
}

