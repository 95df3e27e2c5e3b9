import { spawn } from "node:child_process";
import { BerthError } from "../../../oci/index.js";

/**
 * Run `fn` holding an flock(2) exclusive lock on `path`, the kind of lock
 * netavark takes (Rust's fs2 `lock_exclusive`) on its `aardvark.lock`. Node
 * has no flock, so util-linux's flock(1) holds it: it takes the lock, prints
 * a line, and keeps it until its stdin closes — which also happens when this
 * process dies, so a crash never leaves the lock held. Waits at most
 * `timeoutMs` for the lock; rejects with an UNAVAILABLE BerthError otherwise.
 */
export async function withFlock<T>(path: string, fn: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  const seconds = String(Math.max(1, Math.ceil(timeoutMs / 1000)));
  const child = spawn("flock", ["--exclusive", "--wait", seconds, path, "/bin/sh", "-c", "echo locked; read -r _ || true"], {
    stdio: ["pipe", "pipe", "pipe"],
    env: { ...process.env, PATH: [process.env.PATH, "/usr/bin:/bin"].filter(Boolean).join(":") },
  });
  const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
  child.stdin.on("error", () => undefined);
  let stderr = "";
  child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
  const locked = await new Promise<boolean>((resolve) => {
    child.stdout.on("data", (b: Buffer) => {
      if (b.toString().includes("locked")) resolve(true);
    });
    child.once("error", () => resolve(false));
    void exited.then(() => resolve(false));
  });
  if (!locked) {
    child.stdin.destroy();
    await exited;
    throw new BerthError("UNAVAILABLE", `lock ${path}: not taken within ${seconds} s${stderr.trim() === "" ? "" : `: ${stderr.trim().slice(0, 300)}`}`, {
      hint: "another netavark or berth holds it; is util-linux's flock installed?",
    });
  }
  try {
    return await fn();
  } finally {
    child.stdin.end();
    await exited;
  }
}
