import { spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { BerthError, InvalidArgumentError } from "../../oci/index.js";

/** What a helper keeps for one server. */
export interface HelperCredentials {
  readonly username: string;
  readonly secret: string;
}

/** A credential helper failed, or gave an answer berth cannot read. */
export class CredentialHelperError extends BerthError {
  constructor(
    readonly helper: string,
    readonly action: string,
    detail: string,
  ) {
    super("UNAVAILABLE", `credential helper ${helper} ${action}: ${detail}`, {
      hint: `check that ${helper} works (try: echo SERVER | ${helper} get), or remove credsStore/credHelpers from the docker config`,
    });
  }
}

// Helper names end up in a file name we execute: keep them to one plain path component.
const HELPER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const TIMEOUT_MS = 30_000;
const MAX_OUTPUT = 1 << 20;
const NOT_FOUND = /credentials not found/i;

/**
 * The path of `docker-credential-<name>` on PATH, or undefined when it is not
 * installed. Throws InvalidArgumentError when `name` is not a plain name
 * (a config file asking to run `../../bin/sh` is refused).
 */
export function findCredentialHelper(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (!HELPER_NAME.test(name)) {
    throw new InvalidArgumentError(`credential helper name "${name}": must be letters, digits, '.', '_' or '-'`, {
      hint: "fix credsStore or credHelpers in the docker config",
    });
  }
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (dir === "") continue;
    const path = join(dir, `docker-credential-${name}`);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/**
 * `<helper> get` for `serverUrl` (docker-credential-helpers' protocol: the URL
 * on stdin, `{"ServerURL","Username","Secret"}` on stdout). Undefined when the
 * helper has nothing for the server.
 */
export async function helperGet(helper: string, serverUrl: string, env?: NodeJS.ProcessEnv): Promise<HelperCredentials | undefined> {
  const r = await runHelper(helper, "get", serverUrl, env);
  if (r.code !== 0) {
    if (NOT_FOUND.test(r.stdout + r.stderr)) return undefined;
    throw new CredentialHelperError(helper, "get", `exited ${r.code}: ${brief(r.stderr || r.stdout)}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(r.stdout);
  } catch {
    throw new CredentialHelperError(helper, "get", "printed something that is not JSON");
  }
  const d = (typeof doc === "object" && doc !== null ? doc : {}) as Record<string, unknown>;
  if (typeof d.Username !== "string" || typeof d.Secret !== "string") {
    throw new CredentialHelperError(helper, "get", "answer lacks Username or Secret strings");
  }
  if (d.Secret === "") return undefined;
  return { username: d.Username, secret: d.Secret };
}

/** `<helper> store`: keep `username` and `secret` for `serverUrl`. */
export async function helperStore(helper: string, serverUrl: string, creds: HelperCredentials, env?: NodeJS.ProcessEnv): Promise<void> {
  const input = JSON.stringify({ ServerURL: serverUrl, Username: creds.username, Secret: creds.secret });
  const r = await runHelper(helper, "store", input, env);
  if (r.code !== 0) throw new CredentialHelperError(helper, "store", `exited ${r.code}: ${brief(r.stderr || r.stdout)}`);
}

/** `<helper> erase`: forget `serverUrl`. Returns false when the helper had nothing for it. */
export async function helperErase(helper: string, serverUrl: string, env?: NodeJS.ProcessEnv): Promise<boolean> {
  const r = await runHelper(helper, "erase", serverUrl, env);
  if (r.code === 0) return true;
  if (NOT_FOUND.test(r.stdout + r.stderr)) return false;
  throw new CredentialHelperError(helper, "erase", `exited ${r.code}: ${brief(r.stderr || r.stdout)}`);
}

interface HelperResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function runHelper(helper: string, action: string, input: string, env: NodeJS.ProcessEnv = process.env): Promise<HelperResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(helper, [action], { env, stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    let failure: string | undefined;
    const collect = (into: Buffer[]) => (c: Buffer): void => {
      size += c.length;
      if (size > MAX_OUTPUT) {
        failure ??= `printed more than ${MAX_OUTPUT} bytes`;
        child.kill("SIGKILL");
      } else into.push(c);
    };
    const timer = setTimeout(() => {
      failure ??= `did not finish in ${TIMEOUT_MS / 1000} s`;
      child.kill("SIGKILL");
    }, TIMEOUT_MS);
    child.stdout.on("data", collect(out));
    child.stderr.on("data", collect(err));
    child.stdin.on("error", () => undefined);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(new CredentialHelperError(helper, action, `cannot run: ${e.message}`));
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      if (failure !== undefined) reject(new CredentialHelperError(helper, action, failure));
      else resolve({ code, stdout: Buffer.concat(out).toString("utf8").trim(), stderr: Buffer.concat(err).toString("utf8").trim() });
    });
    child.stdin.end(input);
  });
}

const brief = (s: string): string => {
  const clean = s.replace(/[\u0000-\u001f]/g, " ").trim();
  return clean.length > 200 ? `${clean.slice(0, 200)}…` : clean || "no output";
};
