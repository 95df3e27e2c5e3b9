import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parse, stringify } from "yaml";

/** The bench's copies of one compose file: for berth and docker-compose, for `docker stack deploy`, and what "all up" means. */
export interface BenchStackFiles {
  /** YAML for `berth up` and `docker-compose up`: the source less `build:`, `x-*`, with the one published port moved. */
  readonly compose: string;
  /** YAML for `docker stack deploy` (compose v3 as swarm reads it). */
  readonly swarm: string;
  /** Replicas per service (`deploy.replicas`, else 1). */
  readonly expected: Readonly<Record<string, number>>;
}

/** Options for {@link benchStackFiles}. */
export interface BenchStackOptions {
  /** The host port on 127.0.0.1 that replaces the stack's one published port. */
  readonly publish: number;
  /** `deploy.restart_policy.delay` for every swarm service; undefined keeps swarm's default. */
  readonly swarmRestartDelay?: string;
}

type Mapping = Record<string, unknown>;
const MAX_REPLICAS = 50;
/** Service fields the swarm file leaves out (see {@link benchStackFiles}). */
const SWARM_DROPS = new Set(["restart", "depends_on", "pull_policy", "expose", "ports"]);

const isMapping = (v: unknown): v is Mapping => typeof v === "object" && v !== null && !Array.isArray(v);

function mapping(v: unknown, where: string): Mapping {
  if (!isMapping(v)) throw new Error(`bench stack file: ${where} is not a mapping`);
  return v;
}

/** The target port of a short-syntax port (`[IP:]HOST:TARGET`), or of a long one. */
function targetOf(port: unknown, where: string): number {
  const text = isMapping(port) ? String(port.target) : String(port);
  const target = Number(text.split(":").at(-1)?.split("/")[0]);
  if (!Number.isInteger(target) || target < 1 || target > 65535) throw new Error(`bench stack file: ${where}: no target port in ${JSON.stringify(port)}`);
  return target;
}

function replicasOf(service: Mapping, name: string): number {
  const deploy = service.deploy === undefined ? {} : mapping(service.deploy, `services.${name}.deploy`);
  const replicas = deploy.replicas ?? 1;
  if (typeof replicas !== "number" || !Number.isInteger(replicas) || replicas < 1 || replicas > MAX_REPLICAS) {
    throw new Error(`bench stack file: services.${name}.deploy.replicas must be a whole number in 1..${MAX_REPLICAS}, got ${JSON.stringify(replicas)}`);
  }
  return replicas;
}

/** The parsed source, with anchors and `<<` merges resolved and checked to be a stack of services. */
function services(source: unknown): [string, Mapping][] {
  const top = mapping(source, "the document");
  const entries = Object.entries(mapping(top.services, "services"));
  if (entries.length === 0) throw new Error("bench stack file: services is empty");
  return entries.map(([name, s]) => [name, mapping(s, `services.${name}`)]);
}

/**
 * The bench's two files from one parsed compose document (pure). Both drop `build:` (the images
 * are built once, by berth, and loaded into docker) and every `x-*` field: `x-berth.autoscale`
 * would let berth's daemon scale `catalog` down while the bench counts its replicas, which
 * docker cannot do. The one published port becomes `127.0.0.1:<publish>:<target>` so the bench
 * never needs a fixed host port. The swarm file also drops what `docker stack deploy` ignores
 * (`restart`, `depends_on`, `pull_policy`, `expose`) and `ports` (swarm publishes on every
 * address, and the bench serves only on 127.0.0.1), and resolves service names by DNS round
 * robin (`endpoint_mode: dnsrr`), as compose does: the bench's dockerd runs with
 * `--iptables=false`, without which a swarm VIP cannot route. Throws naming the field when the
 * document is not such a stack, publishes more than one port, or asks for odd replica counts.
 */
export function benchStackFiles(source: unknown, opts: BenchStackOptions): BenchStackFiles {
  const compose: Mapping = { services: {} };
  const swarm: Mapping = { version: "3.8", services: {} };
  const expected: Record<string, number> = {};
  let published = 0;
  for (const [name, service] of services(source)) {
    expected[name] = replicasOf(service, name);
    const base = Object.fromEntries(Object.entries(service).filter(([k]) => k !== "build" && !k.startsWith("x-")));
    if (base.ports !== undefined) {
      if (!Array.isArray(base.ports)) throw new Error(`bench stack file: services.${name}.ports is not a list`);
      published += base.ports.length;
      if (published > 1) throw new Error(`bench stack file: services.${name}.ports: the bench moves one published port, the stack has more`);
      base.ports = base.ports.map((p) => `127.0.0.1:${opts.publish}:${targetOf(p, `services.${name}.ports`)}`);
    }
    (compose.services as Mapping)[name] = base;
    const kept = Object.fromEntries(Object.entries(base).filter(([k]) => !SWARM_DROPS.has(k)));
    const deploy: Mapping = { ...mapping(kept.deploy ?? {}, `services.${name}.deploy`), endpoint_mode: "dnsrr" };
    if (opts.swarmRestartDelay !== undefined) deploy.restart_policy = { ...mapping(deploy.restart_policy ?? {}, `services.${name}.deploy.restart_policy`), delay: opts.swarmRestartDelay };
    (swarm.services as Mapping)[name] = { ...kept, deploy };
  }
  for (const [key, value] of Object.entries(mapping(source, "the document"))) {
    if (key === "networks" || key === "volumes") compose[key] = swarm[key] = value;
  }
  const yaml = (doc: Mapping): string => stringify(doc, { aliasDuplicateObjects: false });
  return { compose: yaml(compose), swarm: yaml(swarm), expected };
}

/** Paths of the files {@link writeBenchStackFiles} wrote. */
export interface WrittenStackFiles {
  readonly composeFile: string;
  readonly swarmFile: string;
  readonly expected: Readonly<Record<string, number>>;
}

/** Read `sourceFile` (≤ 1 MiB, YAML aliases bounded), write `compose.yaml` and `swarm-stack.yaml` into `dir`. */
export async function writeBenchStackFiles(sourceFile: string, dir: string, opts: BenchStackOptions): Promise<WrittenStackFiles> {
  const text = await readFile(sourceFile, "utf8");
  if (text.length > 1024 * 1024) throw new Error(`bench stack file: ${sourceFile} is over 1 MiB`);
  const files = benchStackFiles(parse(text, { merge: true, maxAliasCount: 100 }), opts);
  const composeFile = join(dir, "compose.yaml");
  const swarmFile = join(dir, "swarm-stack.yaml");
  await writeFile(composeFile, files.compose);
  await writeFile(swarmFile, files.swarm);
  return { composeFile, swarmFile, expected: files.expected };
}
