import { spawn } from "node:child_process";
import { BadPackageError } from "./errors.js";

/**
 * Decompress `data` with Debian's `xz` binary as a stream filter: Node has no
 * xz decoder, and xz-utils (Priority: standard) is on every Debian install
 * that has apt tooling; an npm decoder would be a native addon or a slow
 * pure-JS port, and the binary is what dpkg-deb itself runs. More
 * than `maxBytes` of output, a corrupt stream or a missing `xz` throw
 * BadPackageError naming `file`.
 */
export function unxz(data: Buffer, file: string, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn("xz", ["--decompress", "--stdout", "--single-stream"], { stdio: ["pipe", "pipe", "pipe"] });
    const chunks: Buffer[] = [];
    let size = 0;
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => {
      size += c.length;
      if (size > maxBytes) child.kill("SIGKILL");
      else chunks.push(c);
    });
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", (e) => reject(new BadPackageError(file, `cannot run xz (apt-get install xz-utils): ${e.message}`)));
    child.on("close", (code) => {
      if (code === 0) resolve(Buffer.concat(chunks));
      else reject(new BadPackageError(file, size > maxBytes ? `more than ${maxBytes} bytes when decompressed` : `xz failed: ${stderr.trim() || `exit ${code}`}`));
    });
    child.stdin.on("error", () => undefined);
    child.stdin.end(data);
  });
}

