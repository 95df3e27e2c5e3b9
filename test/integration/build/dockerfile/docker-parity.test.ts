import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import type { Server } from "node:http";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { chainIds, flattenToDirectory, ImageStore, openImage, unpackFor } from "../../../../src/image/index.js";
import { hostPlatform } from "../../../../src/oci/index.js";
import { berth } from "../../../support/berth-server.js";
import { startDockerd, type StartedDockerd } from "../../../support/dockerd.js";
import { isRoot, missingTools } from "../../../support/require-root.js";
import { describeResult } from "../../../support/run.js";
import { tempDir, type TempDir } from "../../../support/temp-dir.js";
import { unmountUnder } from "../../../support/unmount.js";
import { makeBusyboxDockerArchive } from "../../../fixtures/make-image.js";
import { BASE, PARITY_CASES, type ParityCase } from "./parity-cases.js";
import { serveFiles, writeCaseContext } from "./parity-context.js";
import { listingDiff, treeListing } from "./tree-listing.js";

const missing = missingTools(["dockerd", "docker", "runc"]);
const skip = !isRoot() ? "needs root (overlay mounts, runc, dockerd)" : missing.length > 0 ? `missing ${missing.join(", ")} (scripts/setup.sh installs them)` : false;
if (skip) process.stdout.write(`# skipping Dockerfile parity tests: ${skip}\n`);

/** The config fields the issue names, with null and absent taken as the same. */
const COMPARED = ["Env", "Entrypoint", "Cmd", "User", "WorkingDir", "ExposedPorts", "Labels", "Healthcheck", "Volumes", "StopSignal", "Shell", "OnBuild"] as const;

function comparable(config: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of COMPARED) {
    const v = config?.[k];
    if (v !== null && v !== undefined && v !== "") out[k] = v;
  }
  return out;
}

describe("Dockerfile builds: berth build vs docker build (legacy builder) from the same base", { skip, timeout: 600_000 }, () => {
  let tmp: TempDir;
  let dockerd: StartedDockerd;
  let root: string;
  let http: { url: string; server: Server };

  before(async () => {
    tmp = await tempDir("bdp-");
    root = join(tmp.path, "berth");
    dockerd = await startDockerd({ dir: join(tmp.path, "d") });
    const archive = join(tmp.path, "base.tar");
    await makeBusyboxDockerArchive(archive, BASE);
    const loaded = await dockerd.docker(["load", "-i", archive]);
    assert.equal(loaded.code, 0, describeResult(loaded));
    const r = await berth(["--root", root, "load", "-i", archive]);
    assert.equal(r.code, 0, describeResult(r));
    http = await serveFiles(Object.assign({}, ...PARITY_CASES.map((c) => c.served ?? {})));
  });

  after(async () => {
    http?.server.close();
    await dockerd?.stop();
    if (tmp) {
      await unmountUnder(tmp.path);
      await tmp.remove();
    }
  });

  const flatten = async (name: string, dest: string): Promise<Map<string, string>> => {
    const store = new ImageStore(root);
    const [rec] = await store.lookup(name);
    assert.ok(rec, `${name} is in berth's store`);
    const view = await openImage(store.content, rec.target);
    await mkdir(dest, { recursive: true });
    const top = chainIds(view.config.rootfs.diff_ids).at(-1);
    if (top === undefined) return treeListing(dest);
    // berth load stores the blobs only; unpack what docker built.
    if ((await (await store.snapshots()).info(top)) === undefined) await unpackFor(store, rec.target, hostPlatform());
    await flattenToDirectory(await store.snapshots(), top, dest);
    return treeListing(dest);
  };

  const buildBoth = async (c: ParityCase): Promise<void> => {
    const ctx = join(tmp.path, "ctx", c.name);
    const dockerfile = await writeCaseContext(ctx, c, http.url);
    const common = [
      "-f", dockerfile,
      ...Object.entries(c.buildArgs ?? {}).flatMap(([k, v]) => ["--build-arg", `${k}=${v}`]),
      ...(c.target ? ["--target", c.target] : []),
    ];
    const d = await dockerd.docker(["build", "--network", "host", "-q", "-t", `parity/${c.name}:docker`, ...common, ctx], { env: { DOCKER_BUILDKIT: "0" }, timeoutMs: 180_000 });
    assert.equal(d.code, 0, `docker build: ${describeResult(d)}`);
    const b = await berth(["--root", root, "build", "--progress", "plain", "-t", `parity/${c.name}:berth`, ...common, ctx], { timeoutMs: 180_000 });
    assert.equal(b.code, 0, `berth build: ${describeResult(b)}`);
    const saved = join(tmp.path, `${c.name}.tar`);
    const s = await dockerd.docker(["save", "-o", saved, `parity/${c.name}:docker`]);
    assert.equal(s.code, 0, describeResult(s));
    const l = await berth(["--root", root, "load", "-i", saved]);
    assert.equal(l.code, 0, describeResult(l));
  };

  for (const c of PARITY_CASES) {
    it(`${c.name}: same filesystem and config`, async () => {
      await buildBoth(c);
      const theirs = await flatten(`docker.io/parity/${c.name}:docker`, join(tmp.path, "fs", c.name, "docker"));
      const ours = await flatten(`docker.io/parity/${c.name}:berth`, join(tmp.path, "fs", c.name, "berth"));
      const diff = listingDiff(theirs, ours);
      assert.deepEqual(diff, [], `filesystems differ:\n${diff.join("\n")}`);
      const inspect = async (name: string): Promise<Record<string, unknown>> => {
        const r = await berth(["--root", root, "image", "inspect", name]);
        assert.equal(r.code, 0, describeResult(r));
        return (JSON.parse(r.stdout) as { Config?: Record<string, unknown> }[])[0]!.Config ?? {};
      };
      assert.deepEqual(comparable(await inspect(`docker.io/parity/${c.name}:berth`)), comparable(await inspect(`docker.io/parity/${c.name}:docker`)));
    });
  }
});
