import { run, type RunOptions, type RunResult } from "./run.js";

/** Options for {@link skopeo}. */
export interface SkopeoOptions extends RunOptions {
  /** `--tmpdir`: where skopeo stages big blobs (default /var/tmp); put it in the test's temp dir. */
  readonly tmpDir?: string;
}

/**
 * Run `skopeo` with `--insecure-policy`, so the host's
 * /etc/containers/policy.json neither blocks nor is needed. Resolves whatever
 * the exit code. Talking to a plain-HTTP registry still needs
 * `--src-tls-verify=false` / `--dest-tls-verify=false` in `args`.
 */
export function skopeo(args: readonly string[], opts: SkopeoOptions = {}): Promise<RunResult> {
  const global = ["--insecure-policy", ...(opts.tmpDir === undefined ? [] : ["--tmpdir", opts.tmpDir])];
  return run("skopeo", [...global, ...args], opts);
}
