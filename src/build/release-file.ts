import { execFile } from "node:child_process";
import { readFile, rm } from "node:fs/promises";
import { promisify } from "node:util";
import { InvalidArgumentError } from "../oci/index.js";
import { fieldOf, parseControlStanzas } from "./control-stanzas.js";
import { SignatureError } from "./errors.js";

/** The Debian archive keyring apt uses when a source names no Signed-By. */
export const DEFAULT_KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg";

/** The signed part of an InRelease file: its fields and the SHA256 of each index. */
export interface ReleaseFile {
  readonly suite?: string;
  readonly codename?: string;
  readonly date?: string;
  /** Indexes can be fetched by digest (`…/by-hash/SHA256/<hex>`), immune to a mirror update mid-download. */
  readonly isAcquireByHash: boolean;
  /** Path below `dists/<suite>/` → { sha256, size }. */
  readonly sha256: ReadonlyMap<string, { readonly sha256: string; readonly size: number }>;
}

/**
 * Check the OpenPGP signature of the InRelease file at `path` with gpgv and
 * `keyring` (as apt does), and return the text that was signed: only that
 * text is trusted. `label` (the URL) names the file in errors. Throws
 * SignatureError when gpgv rejects it or cannot run.
 */
export async function verifyInRelease(path: string, keyring: string, label: string): Promise<string> {
  const out = `${path}.verified`;
  try {
    await promisify(execFile)("gpgv", ["--quiet", "--keyring", keyring, "--output", out, path], { timeout: 60_000 });
    return await readFile(out, "utf8");
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    const detail = (err.stderr ?? err.message).split("\n").map((l) => l.trim()).filter(Boolean).slice(0, 3).join("; ");
    throw new SignatureError(label, detail || "gpgv failed");
  } finally {
    await rm(out, { force: true });
  }
}

/** Parse the (already verified) text of a Release/InRelease file; `label` names it in errors. */
export function parseReleaseFile(text: string, label: string): ReleaseFile {
  const [stanza] = parseControlStanzas(text, label);
  if (!stanza) throw new InvalidArgumentError(`${label}: empty Release file`);
  const sums = new Map<string, { sha256: string; size: number }>();
  for (const line of (fieldOf(stanza, "SHA256") ?? "").split("\n")) {
    if (line.trim() === "") continue;
    const m = /^\s*([a-f0-9]{64})\s+(\d+)\s+(\S+)\s*$/.exec(line);
    if (!m) throw new InvalidArgumentError(`${label}: bad SHA256 line ${JSON.stringify(line.trim())}`);
    sums.set(m[3]!, { sha256: m[1]!, size: Number(m[2]) });
  }
  if (sums.size === 0) throw new InvalidArgumentError(`${label}: no SHA256 field`, { hint: "berth needs a Release file with SHA256 sums" });
  const opt = (f: string): Record<string, string> => {
    const v = fieldOf(stanza, f);
    return v === undefined ? {} : { [f.toLowerCase()]: v };
  };
  const isAcquireByHash = fieldOf(stanza, "Acquire-By-Hash")?.toLowerCase() === "yes";
  return { ...opt("Suite"), ...opt("Codename"), ...opt("Date"), isAcquireByHash, sha256: sums };
}
