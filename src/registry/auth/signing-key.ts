import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from "node:crypto";
import { link, mkdir, open, readFile, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { calculateJwkThumbprint, exportJWK } from "jose";
import { fsyncDir } from "../../content/index.js";
import { BerthError, InvalidArgumentError, isBerthError } from "../../oci/index.js";

/** JWS algorithms berth signs tokens with, one per supported key kind. */
export type SigningAlgorithm = "ES256" | "ES384" | "ES512" | "RS256";

/** The key that signs and verifies registry tokens. */
export interface SigningKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly alg: SigningAlgorithm;
  /** RFC 7638 JWK thumbprint of the public key, the JWS `kid`. */
  readonly kid: string;
}

const CURVE_ALG: Readonly<Record<string, SigningAlgorithm>> = { prime256v1: "ES256", secp384r1: "ES384", secp521r1: "ES512" };

/**
 * A SigningKey from a private key: EC P-256 (ES256, the default), P-384,
 * P-521 or RSA of 2048 bits or more (RS256). `source` names it in errors.
 */
export async function signingKeyFrom(privateKey: KeyObject, source: string): Promise<SigningKey> {
  const details = privateKey.asymmetricKeyDetails ?? {};
  let alg: SigningAlgorithm | undefined;
  if (privateKey.asymmetricKeyType === "ec") alg = CURVE_ALG[details.namedCurve ?? ""];
  else if (privateKey.asymmetricKeyType === "rsa" && (details.modulusLength ?? 0) >= 2048) alg = "RS256";
  if (alg === undefined) {
    const kind = `${privateKey.asymmetricKeyType ?? "unknown"} ${details.namedCurve ?? details.modulusLength ?? ""}`.trim();
    throw new InvalidArgumentError(`token signing key ${source}: key type "${kind}" cannot sign registry tokens`, {
      hint: "use an EC P-256 key: openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out key.pem",
    });
  }
  const publicKey = createPublicKey(privateKey);
  const kid = await calculateJwkThumbprint(await exportJWK(publicKey));
  return { privateKey, publicKey, alg, kid };
}

/** Read a PEM private key (PKCS#8, or SEC1/PKCS#1), unencrypted. */
export async function loadSigningKey(path: string): Promise<SigningKey> {
  let pem: string;
  try {
    pem = await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") {
      throw new BerthError("NOT_FOUND", `token signing key ${path}: not found`, {
        cause: e,
        hint: "create it (openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out key.pem) or remove auth.token.key to have one generated",
      });
    }
    throw e;
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: "pem" });
  } catch (e) {
    throw new InvalidArgumentError(`token signing key ${path}: not an unencrypted PEM private key`, { cause: e, hint: "use PKCS#8 PEM" });
  }
  return signingKeyFrom(key, path);
}

/**
 * Load the key at `path`, or generate an EC P-256 key and save it there
 * (PKCS#8 PEM, mode 0600) when the file does not exist. Two processes racing
 * to create it end up using the same key: the file is published with link(2),
 * which never replaces an existing file.
 */
export async function loadOrCreateSigningKey(path: string): Promise<SigningKey> {
  try {
    return await loadSigningKey(path);
  } catch (e) {
    if (!isBerthError(e, "NOT_FOUND")) throw e;
  }
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  if (!(await writePrivateFileOnce(path, pem))) return loadSigningKey(path);
  return signingKeyFrom(privateKey, path);
}

/** Write `data` to a new file at `path`, durably, mode 0600; false when `path` already exists. */
async function writePrivateFileOnce(path: string, data: string): Promise<boolean> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  // Created 0600 from the start: the key is never readable by others, not even for an instant.
  const fh = await open(tmp, "wx", 0o600);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await link(tmp, path);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return false;
    // Some filesystems (FUSE, some network mounts) have no hard links; rename is still atomic.
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "ENOSYS") throw e;
    await rename(tmp, path);
    return true;
  } finally {
    await unlink(tmp).catch(() => undefined);
    await fsyncDir(dir);
  }
}
