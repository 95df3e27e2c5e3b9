import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { timed } from "../harness/timing.js";
import type { BuildSide, TimedStep } from "./build-rounds.js";
import type { BerthDaemons } from "../harness/berth-daemons.js";
import { berthAt, mustRun, type Cli } from "./build-tools.js";
import type { NodeContexts } from "./node-app-context.js";

/** The image each side builds in part (a). */
export const BERTH_NODE_IMAGE = "bench/node:berth";
export const DOCKER_NODE_IMAGE = "bench/node:docker";

/** Row keys of part (a). */
export const NODE_KEYS = { coldWithBase: "cold incl. base", cold: "cold", warm: "warm" } as const;

/** The mark written into the source before a build of `round`; the warm one differs by one line from the cold one. */
export const markFor = (round: number, key: "cold" | "warm"): string => `round${round + 1}-${key}`;

/** A berth root that holds only the node base: what a cold build "with the base cached" starts from. */
export interface BaseTemplate {
  readonly root: string;
  /** The seed build's seconds: the one-time base build plus a one-file app. */
  readonly seedSeconds: number;
}

/**
 * Untimed: build a one-file project with no dependencies into a new root, which leaves the node
 * base built and cached there (docs/build-node.md: `<root>/build-cache/node-base`) and no
 * dependency layer. Rounds copy this root.
 */
export async function makeBaseTemplate(dir: string): Promise<BaseTemplate> {
  const seed = join(dir, "seed-app");
  await mkdir(seed, { recursive: true });
  await writeFile(join(seed, "package.json"), `${JSON.stringify({ name: "bench-seed", version: "1.0.0", private: true, main: "index.js" }, null, 2)}\n`);
  await writeFile(join(seed, "index.js"), 'console.log("seed");\n');
  const root = join(dir, "berth-template");
  const { ms } = await timed(() => berthAt(root)(["build", "-q", "-t", "bench/seed:berth", seed]));
  return { root, seedSeconds: ms / 1000 };
}

/** What the berth side of part (a) needs. */
export interface BerthNodeSetup {
  readonly dir: string;
  readonly ctx: NodeContexts;
  readonly template: BaseTemplate;
  readonly daemons: BerthDaemons;
}

/**
 * berth's side of part (a), per round: a cold build in an empty root (the base built from the
 * apt sources too), a cold build in a copy of the template (base cached, npm ci run), then a
 * warm rebuild in that root after one source line changed. Each cold build gets an empty npm
 * cache, as docker's `--no-cache` build starts with one. `lastRoot()` is the root of the last
 * warm build, for the size and run checks.
 */
export function berthNodeSide(setup: BerthNodeSetup, unavailable: string | undefined): BuildSide & { lastRoot(): string | undefined } {
  const { dir, ctx, template, daemons } = setup;
  let last: string | undefined;
  const build = (root: string, npmCache?: string): Promise<unknown> =>
    berthAt(root, npmCache === undefined ? {} : { npm_config_cache: npmCache })(["build", "-q", "-t", BERTH_NODE_IMAGE, ctx.berth]);
  const steps = (round: number): TimedStep[] => {
    const empty = join(dir, `berth-empty-${round}`);
    const warmRoot = join(dir, `berth-root-${round}`);
    const cache = (n: number): string => join(dir, `npm-cache-${round}-${n}`);
    return [
      {
        key: NODE_KEYS.coldWithBase,
        prepare: async () => {
          await daemons.stop();
          if (last !== undefined) await rm(last, { recursive: true, force: true });
          last = undefined;
          await ctx.setMark(markFor(round, "cold"));
          await daemons.use(empty);
        },
        run: () => build(empty, cache(1)).then(() => undefined),
      },
      {
        key: NODE_KEYS.cold,
        prepare: async () => {
          await daemons.stop();
          await rm(empty, { recursive: true, force: true });
          // cp -a, not fs.cp: a root's snapshots may hold device nodes (whiteouts) that fs.cp refuses.
          await mustRun("cp", ["-a", template.root, warmRoot]);
          last = warmRoot;
          await daemons.use(warmRoot);
        },
        run: () => build(warmRoot, cache(2)).then(() => undefined),
      },
      {
        key: NODE_KEYS.warm,
        prepare: async () => {
          await rm(cache(1), { recursive: true, force: true });
          await rm(cache(2), { recursive: true, force: true });
          await ctx.setMark(markFor(round, "warm"));
        },
        run: () => build(warmRoot).then(() => undefined),
      },
    ];
  };
  return { name: "berth", isBerth: true, unavailable, steps, lastRoot: () => last };
}

/**
 * docker's side of part (a), per round: `docker build --no-cache` after removing the last
 * image and its dangling stages, then a warm rebuild after one source line changed. Legacy
 * builder, host network (the bench's dockerd has no bridge), npm's registry passed in.
 */
export function dockerNodeSide(docker: Cli | undefined, ctx: NodeContexts, registry: string, unavailable: string | undefined): BuildSide {
  const build = (noCache: boolean): Promise<unknown> => docker!([
    "build", ...(noCache ? ["--no-cache"] : []), "--network", "host", "-q",
    "--build-arg", `NPM_CONFIG_REGISTRY=${registry}`, "-t", DOCKER_NODE_IMAGE, ctx.docker,
  ]);
  const steps = (round: number): TimedStep[] => [
    {
      key: NODE_KEYS.cold,
      prepare: async () => {
        await docker!(["image", "rm", "-f", DOCKER_NODE_IMAGE]).catch(() => undefined);
        await docker!(["image", "prune", "-f"]);
        await ctx.setMark(markFor(round, "cold"));
      },
      run: () => build(true).then(() => undefined),
    },
    {
      key: NODE_KEYS.warm,
      prepare: () => ctx.setMark(markFor(round, "warm")),
      run: () => build(false).then(() => undefined),
    },
  ];
  return { name: "docker", isBerth: false, unavailable: docker === undefined ? (unavailable ?? "no dockerd") : unavailable, steps };
}
