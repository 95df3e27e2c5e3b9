import { chmod, mkdir, symlink, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import { pack } from "tar-stream";
import type { ContextFile, ParityCase } from "./parity-cases.js";

/** Write `c`'s context (files, modes, links, generated tars) and its Dockerfile under `dir`. */
export async function writeCaseContext(dir: string, c: ParityCase, url: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  for (const [path, f] of Object.entries(c.files ?? {})) await writeContextFile(join(dir, path), f);
  const dockerfile = join(dir, c.dockerfilePath ?? "Dockerfile");
  await mkdir(dirname(dockerfile), { recursive: true });
  await writeFile(dockerfile, c.dockerfile.replaceAll("{{URL}}", url));
  return dockerfile;
}

async function writeContextFile(path: string, f: ContextFile): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  if (typeof f === "string") {
    await writeFile(path, f);
    await chmod(path, 0o644);
  } else if ("symlink" in f) {
    await symlink(f.symlink, path);
  } else if ("tarOf" in f) {
    const tar = await tarOf(f.tarOf);
    await writeFile(path, f.gzip ? gzipSync(tar) : tar);
    await chmod(path, 0o644);
  } else {
    await writeFile(path, f.data);
    await chmod(path, f.mode ?? 0o644);
  }
}

/** A tar of `files` (parents as directory entries, owner 0:0, fixed mtime). */
export async function tarOf(files: Readonly<Record<string, string>>): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on("data", (c: unknown) => void chunks.push(c as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    p.on("end", resolve);
    p.on("error", reject);
  });
  const mtime = new Date(1_700_000_000_000);
  const dirs = new Set<string>();
  for (const name of Object.keys(files)) {
    const parts = name.split("/");
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join("/"));
  }
  for (const d of [...dirs].sort()) p.entry({ name: `${d}/`, type: "directory", mode: 0o755, mtime, uid: 0, gid: 0 });
  for (const [name, text] of Object.entries(files)) p.entry({ name, mode: 0o644, mtime, uid: 0, gid: 0 }, text);
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** A plain HTTP server on 127.0.0.1 serving `paths` (with a fixed Last-Modified); stop it with close(). */
export async function serveFiles(paths: Readonly<Record<string, string>>): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const body = paths[req.url ?? ""];
    if (body === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": "text/plain", "content-length": Buffer.byteLength(body), "last-modified": new Date(1_700_000_000_000).toUTCString() });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const addr = server.address();
  if (addr === null || typeof addr === "string") throw new Error("no address");
  return { url: `http://127.0.0.1:${addr.port}`, server };
}
