import { execFile } from "node:child_process";
import { access } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";

/** OCI annotation keys berth sets as image labels. */
export const LABEL_SOURCE = "org.opencontainers.image.source";
export const LABEL_REVISION = "org.opencontainers.image.revision";
export const LABEL_CREATED = "org.opencontainers.image.created";

/**
 * `source` (the `origin` remote, credentials removed) and `revision` (HEAD's
 * commit) of the git work tree holding `dir`; `{}` when `dir` is not in
 * one, git is not installed, or git takes longer than 10 s. Never throws.
 */
export async function gitLabels(dir: string): Promise<Record<string, string>> {
  // Most contexts outside a repository: skip spawning git (~50–100 ms per call on a busy machine).
  if (process.env.GIT_DIR === undefined && !(await insideGitWorkTree(dir))) return {};
  const revision = await git(dir, ["rev-parse", "--verify", "HEAD"]);
  if (revision === undefined || !/^[0-9a-f]{40,64}$/.test(revision)) return {};
  const remote = await git(dir, ["config", "--get", "remote.origin.url"]);
  return { ...(remote && { [LABEL_SOURCE]: withoutCredentials(remote) }), [LABEL_REVISION]: revision };
}

/** `https://user:token@host/x` → `https://host/x`; other forms (`git@host:x`) unchanged. */
export function withoutCredentials(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, "$1");
}

/** Whether `dir` or a parent holds `.git` (a directory, or a file for worktrees and submodules). */
async function insideGitWorkTree(dir: string): Promise<boolean> {
  for (let d = resolve(dir); ; d = dirname(d)) {
    if (await access(join(d, ".git")).then(() => true, () => false)) return true;
    if (dirname(d) === d) return false;
  }
}

function git(dir: string, args: readonly string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile("git", ["-C", dir, ...args], { timeout: 10_000, maxBuffer: 64 * 1024, env: { ...process.env, GIT_TERMINAL_PROMPT: "0" } }, (err, stdout) => {
      resolve(err ? undefined : stdout.trim() || undefined);
    });
  });
}
