import { join } from "node:path";
import { measureRounds } from "./build-rounds.js";
import { timeRow } from "./build-table.js";
import { berthAt } from "./build-tools.js";
import {
  BERTH_MULTI_IMAGE, berthDockerfileBuild, BUSYBOX_BASE, checkCount, DOCKER_MULTI_IMAGE, dockerDockerfileBuild, DOCKERFILE_KEYS, dockerfileSide, makeDockerfileInputs,
} from "./dockerfile-sides.js";
import { firstLines, type PartContext, type PartReport } from "./part-context.js";

/** berth at most as slow as docker, cold and warm (issue 5). */
export const DOCKERFILE_TARGET = 1;
const PART_TIMEOUT_MS = 20 * 60_000;

/** Load the busybox archive into one side; the reason it failed, or undefined. */
async function loadBase(load: () => Promise<unknown>, o: PartContext): Promise<string | undefined> {
  try {
    await load();
    return undefined;
  } catch (err) {
    o.signal.throwIfAborted();
    return `loading ${BUSYBOX_BASE} failed: ${firstLines(err)}`;
  }
}

/** Part (b): the multi-stage Dockerfile, `berth build` against `docker build`, cold and warm. */
export async function runDockerfilePart(o: PartContext): Promise<PartReport> {
  const notes: string[] = [];
  const problems: string[] = [];
  const { ctx, archive, imageId } = await makeDockerfileInputs(o.dir);
  const root = join(o.dir, "berth");
  const berth = berthAt(root);
  const noBerth = await loadBase(async () => {
    await berth(["load", "-q", "-i", archive]);
    await o.daemons.use(root);
  }, o);
  const docker = o.docker;
  const noDocker = o.noDocker ?? (await loadBase(() => docker!(["load", "-q", "-i", archive]), o));
  const results = await measureRounds("build (b)", [
    dockerfileSide("berth", true, berthDockerfileBuild(berth, ctx), noBerth),
    dockerfileSide("docker", false, noDocker === undefined ? dockerDockerfileBuild(docker!, ctx) : async () => undefined, noDocker),
  ], { runs: o.runs, signal: o.signal, timeoutMs: PART_TIMEOUT_MS });
  for (const r of results) {
    if (r.problem !== undefined) {
      problems.push(`${r.name}: ${r.problem}`);
      continue;
    }
    try {
      notes.push(await checkCount(r.isBerth ? berth : docker!, r.isBerth ? BERTH_MULTI_IMAGE : DOCKER_MULTI_IMAGE, r.name));
    } catch (err) {
      o.signal.throwIfAborted();
      problems.push(`${r.name}: the built image is wrong: ${firstLines(err)}`);
    }
  }
  const setup = [
    `  Dockerfile: bench/build/dockerfile-fixture (2 stages on ${BUSYBOX_BASE}, ${imageId.slice(0, 19)}…: busybox --install, 400 files made by a shell loop,`,
    "              md5sums, a tar.gz; the second stage COPY --from's and unpacks it; ARG, ENV, WORKDIR, LABEL, USER, CMD); 5 RUN steps in all",
    `  berth:  berth --root R build [--no-cache] --network host -q -f CTX/Dockerfile -t ${BERTH_MULTI_IMAGE} CTX   (RUN under conmon + runc)`,
    `  docker: DOCKER_BUILDKIT=0 docker build [--no-cache] --network host -q -f CTX/Dockerfile -t ${DOCKER_MULTI_IMAGE} CTX`,
    `  ${o.daemons.describe()}`,
    `  base: the busybox fixture (test/fixtures/make-image.ts) as a docker-archive, berth load and docker load; ${o.runs} round(s), side order alternating`,
    "  cold = --no-cache; warm = the same build again, nothing changed (every step cached)",
  ];
  return {
    title: "build (b): multi-stage Dockerfile with RUN steps, berth build vs docker build",
    setup,
    rows: [
      timeRow("cold (--no-cache)", results, { berth: DOCKERFILE_KEYS.cold, docker: DOCKERFILE_KEYS.cold }, DOCKERFILE_TARGET),
      timeRow("warm (all cached)", results, { berth: DOCKERFILE_KEYS.warm, docker: DOCKERFILE_KEYS.warm }, DOCKERFILE_TARGET),
    ],
    results,
    notes,
    problems,
  };
}
