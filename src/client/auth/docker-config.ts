import { readFile, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { InvalidArgumentError } from "../../oci/index.js";
import { writePrivateFileAtomic } from "../internal/private-file.js";
import { findCredentialHelper, helperErase, helperGet, helperStore, CredentialHelperError } from "./credential-helper.js";

/** What authenticates a user at a registry. */
export interface Credentials {
  readonly username?: string;
  readonly password?: string;
  /** An OAuth2 refresh token (docker's `identitytoken`), traded at the token endpoint. */
  readonly identityToken?: string;
}

/** Where the docker config is; both default to this process's. */
export interface DockerConfigOptions {
  /** The config.json to use; default $DOCKER_CONFIG/config.json, else ~/.docker/config.json. */
  readonly configPath?: string;
  /** Environment for DOCKER_CONFIG, HOME and the PATH credential helpers are looked up in. */
  readonly env?: NodeJS.ProcessEnv;
}

/** The key docker files Docker Hub's credentials under. */
export const DOCKER_HUB_KEY = "https://index.docker.io/v1/";
const HUB_HOSTS = new Set(["docker.io", "index.docker.io", "registry-1.docker.io"]);
const MAX_CONFIG = 4 << 20;

/** The config.json berth reads and writes, as docker finds it. */
export function dockerConfigPath(opts: DockerConfigOptions = {}): string {
  if (opts.configPath !== undefined) return opts.configPath;
  const env = opts.env ?? process.env;
  if (env.DOCKER_CONFIG) return join(env.DOCKER_CONFIG, "config.json");
  return join(env.HOME || homedir(), ".docker", "config.json");
}

/** The `auths` key of a registry host: Docker Hub's legacy URL for docker.io, else the host itself. */
export const credentialKey = (host: string): string => (HUB_HOSTS.has(host.toLowerCase()) ? DOCKER_HUB_KEY : host);

/**
 * The credentials for `host` ("docker.io", "localhost:5000"), looked up as
 * docker does: the credential helper in `credHelpers[host]`, else the one in
 * `credsStore` (`docker-credential-<name> get`), else `auths` (an `auth`
 * base64 of user:password, or `username`/`password`, and `identitytoken`).
 * Keys in `auths` may carry a scheme and path (`https://host/v1/`). A helper
 * that is not installed, or has nothing for the host, falls through to
 * `auths` (configs copied from another machine often name one). Undefined
 * when nothing is found; throws InvalidArgumentError naming the file and
 * field when the config is malformed.
 */
export async function loadCredentials(host: string, opts: DockerConfigOptions = {}): Promise<Credentials | undefined> {
  const path = dockerConfigPath(opts);
  const config = await readConfig(path);
  const key = credentialKey(host);
  const helper = helperName(config, host, path);
  const helperPath = helper === undefined ? undefined : findCredentialHelper(helper, opts.env);
  if (helperPath !== undefined) {
    const found = await helperGet(helperPath, key, opts.env);
    if (found !== undefined) {
      return found.username === "<token>" ? { identityToken: found.secret } : { username: found.username, password: found.secret };
    }
  }
  const match = findAuthEntry(config, host, path);
  return match === undefined ? undefined : parseAuthEntry(match.entry, `${path}: auths["${match.key}"]`);
}

/**
 * Keep `username` and `password` for `host`: in the configured credential
 * helper (the config then holds an empty entry, as docker writes), else base64
 * in `auths`. The file is rewritten atomically with mode 0600; its other
 * fields are kept. Throws when a helper is configured but not installed.
 */
export async function saveCredentials(host: string, username: string, password: string, opts: DockerConfigOptions = {}): Promise<void> {
  if (username === "" || username.includes(":")) {
    throw new InvalidArgumentError(`username "${username}": must be non-empty and hold no ':'`, { hint: "Basic auth cannot carry a ':' in the user name" });
  }
  if (password === "") throw new InvalidArgumentError("password: must not be empty");
  const path = dockerConfigPath(opts);
  const config = await readConfig(path);
  const key = credentialKey(host);
  const helper = helperName(config, host, path);
  const auths = authsOf(config, path);
  if (helper !== undefined) {
    const helperPath = findCredentialHelper(helper, opts.env);
    if (helperPath === undefined) throw new CredentialHelperError(`docker-credential-${helper}`, "store", "is not installed (not on PATH)");
    await helperStore(helperPath, key, { username, secret: password }, opts.env);
    auths[key] = {};
  } else {
    auths[key] = { auth: Buffer.from(`${username}:${password}`).toString("base64") };
  }
  config.auths = auths;
  await writePrivateFileAtomic(path, `${JSON.stringify(config, null, "\t")}\n`);
}

/**
 * Forget the credentials for `host`: every `auths` entry naming it, and the
 * helper's copy when a helper is configured and installed. Returns whether
 * anything was removed; the file is rewritten (0600) only when it changed.
 */
export async function removeCredentials(host: string, opts: DockerConfigOptions = {}): Promise<boolean> {
  const path = dockerConfigPath(opts);
  const config = await readConfig(path);
  let removed = false;
  const helper = helperName(config, host, path);
  const helperPath = helper === undefined ? undefined : findCredentialHelper(helper, opts.env);
  if (helperPath !== undefined) removed = await helperErase(helperPath, credentialKey(host), opts.env);
  const auths = authsOf(config, path);
  const names = Object.keys(auths).filter((k) => k === credentialKey(host) || sameHost(k, host));
  for (const k of names) delete auths[k];
  if (names.length > 0) {
    config.auths = auths;
    await writePrivateFileAtomic(path, `${JSON.stringify(config, null, "\t")}\n`);
  }
  return removed || names.length > 0;
}

type Json = Record<string, unknown>;

async function readConfig(path: string): Promise<Json> {
  let text: string;
  try {
    const s = await stat(path);
    if (s.size > MAX_CONFIG) throw new InvalidArgumentError(`${path}: ${s.size} bytes, larger than a docker config can sensibly be`);
    text = await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw e;
  }
  if (text.trim() === "") return {};
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new InvalidArgumentError(`${path}: not valid JSON: ${(e as Error).message}`, { hint: "fix the file or move it away; it is docker's config.json format" });
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw new InvalidArgumentError(`${path}: must hold a JSON object`);
  return doc as Json;
}

function authsOf(config: Json, path: string): Record<string, Json> {
  const auths = config.auths ?? {};
  if (typeof auths !== "object" || auths === null || Array.isArray(auths)) throw new InvalidArgumentError(`${path}: auths: must be an object`);
  return auths as Record<string, Json>;
}

function helperName(config: Json, host: string, path: string): string | undefined {
  const helpers = config.credHelpers;
  if (helpers !== undefined && (typeof helpers !== "object" || helpers === null || Array.isArray(helpers))) {
    throw new InvalidArgumentError(`${path}: credHelpers: must be an object of host to helper name`);
  }
  const h = helpers as Record<string, unknown> | undefined;
  const named = h?.[host] ?? h?.[credentialKey(host)];
  if (named !== undefined && typeof named !== "string") throw new InvalidArgumentError(`${path}: credHelpers["${host}"]: must be a string`);
  if (typeof named === "string" && named !== "") return named;
  if (config.credsStore !== undefined && typeof config.credsStore !== "string") throw new InvalidArgumentError(`${path}: credsStore: must be a string`);
  return config.credsStore === "" ? undefined : (config.credsStore as string | undefined);
}

function findAuthEntry(config: Json, host: string, path: string): { key: string; entry: unknown } | undefined {
  const auths = authsOf(config, path);
  const key = credentialKey(host);
  if (key in auths) return { key, entry: auths[key] };
  const k = Object.keys(auths).find((candidate) => sameHost(candidate, host));
  return k === undefined ? undefined : { key: k, entry: auths[k] };
}

/** Whether an `auths` key (`https://host/v1/`, `host`) names `host`; all Hub aliases name docker.io. */
function sameHost(key: string, host: string): boolean {
  const h = key.replace(/^https?:\/\//i, "").split("/")[0]!.toLowerCase();
  const want = host.toLowerCase();
  return h === want || (HUB_HOSTS.has(h) && HUB_HOSTS.has(want));
}

function parseAuthEntry(entry: unknown, field: string): Credentials | undefined {
  if (typeof entry !== "object" || entry === null || Array.isArray(entry)) throw new InvalidArgumentError(`${field}: must be an object`);
  const e = entry as Json;
  for (const f of ["auth", "username", "password", "identitytoken"]) {
    if (e[f] !== undefined && typeof e[f] !== "string") throw new InvalidArgumentError(`${field}.${f}: must be a string`);
  }
  let username = e.username as string | undefined;
  let password = e.password as string | undefined;
  const auth = e.auth as string | undefined;
  if (auth !== undefined && auth !== "") {
    const decoded = /^[A-Za-z0-9+/]*={0,2}$/.test(auth) ? Buffer.from(auth, "base64").toString("utf8") : "";
    const colon = decoded.indexOf(":");
    if (colon <= 0) {
      throw new InvalidArgumentError(`${field}.auth: must be base64 of "user:password"`, { hint: "log in again to rewrite it" });
    }
    username = decoded.slice(0, colon);
    password = decoded.slice(colon + 1);
  }
  const identityToken = e.identitytoken as string | undefined;
  const creds: Credentials = {
    ...(username && { username }),
    ...(password && { password }),
    ...(identityToken && { identityToken }),
  };
  return Object.keys(creds).length === 0 ? undefined : creds;
}
