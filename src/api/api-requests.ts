import * as z from "zod";
import { InvalidArgumentError } from "../oci/index.js";
import type { BuildImageRequest } from "../build/index.js";
import { hostRangeProblem, type BindPropagation, type CreateContainerOptions, type ProcessIdentity } from "../runtime/index.js";
import type { StackDownRequest, StackUpRequest } from "../orchestrator/index.js";

const counts = z.record(z.string().min(1), z.number().int().min(0).max(1000));
const timeoutS = z.number().int().min(0).max(86_400);

const upSchema = z.object({
  files: z.array(z.string().startsWith("/")).min(1),
  workingDir: z.string().startsWith("/"),
  projectName: z.string().min(1),
  profiles: z.array(z.string()).default([]),
  env: z.record(z.string(), z.string()).default({}),
  services: z.array(z.string()).optional(),
  noDeps: z.boolean().optional(),
  build: z.boolean().optional(),
  forceRecreate: z.boolean().optional(),
  scale: counts.optional(),
  removeOrphans: z.boolean().optional(),
  timeoutS: timeoutS.optional(),
}).strict();

const buildSchema = z.object({
  context: z.string().startsWith("/"),
  dockerfile: z.string().startsWith("/").optional(),
  dockerfileText: z.string().max(1 << 24).optional(),
  tags: z.array(z.string().min(1)).max(100).default([]),
  buildArgs: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string()).optional(),
  target: z.string().min(1).optional(),
  noCache: z.boolean().optional(),
  network: z.enum(["host", "none"]).optional(),
  hostTrust: z.boolean().optional(),
  expose: z.array(z.string()).max(1000).optional(),
  mirror: z.string().optional(),
  env: z.record(z.string(), z.string()).optional(),
}).strict();

const downSchema = z.object({ volumes: z.boolean().optional(), removeOrphans: z.boolean().optional(), timeoutS: timeoutS.optional() }).strict();
const scaleSchema = z.object({ scale: counts }).strict();
const stopSchema = z.object({ timeoutS: timeoutS.optional() }).strict();

/** Parse a body with a schema; what is wrong names the field. */
function parse<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  throw new InvalidArgumentError(`${what}: ${issue.path.join(".") || "body"}: ${issue.message}`);
}

// Optional fields are dropped rather than set to undefined, at every depth: the layers below tell
// "absent" from "undefined" (exactOptionalPropertyTypes).
const defined = <T>(v: T): T => {
  if (Array.isArray(v)) return v.map(defined) as T;
  if (typeof v !== "object" || v === null) return v;
  return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).map(([k, x]) => [k, defined(x)])) as T;
};

export const parseUpRequest = (body: unknown): StackUpRequest => defined(parse(upSchema, body, "up")) as StackUpRequest;
export const parseDownRequest = (body: unknown): StackDownRequest => defined(parse(downSchema, body, "down")) as StackDownRequest;
export const parseScaleRequest = (body: unknown): Record<string, number> => parse(scaleSchema, body, "scale").scale;
export const parseStopRequest = (body: unknown): { timeoutS?: number } => defined(parse(stopSchema, body, "stop")) as { timeoutS?: number };
export const parseBuildRequest = (body: unknown): BuildImageRequest => defined(parse(buildSchema, body, "build")) as BuildImageRequest;

// `berth run`'s options as the CLI worked them out from its flags (CreateContainerOptions without the
// callbacks): files it read and names it looked up are in them already, and every path is absolute.
const text = z.string().max(1 << 16);
const absolute = z.string().startsWith("/").max(4096);
const texts = z.array(text).max(10_000);
const port = z.number().int().min(0).max(65_535);
const ms = z.number().int().min(0);
const propagation = z.enum(["private", "rprivate", "shared", "rshared", "slave", "rslave"] as const satisfies readonly BindPropagation[]);
const runOptionsSchema = z.object({
  entrypoint: texts.optional(),
  cmd: texts.optional(),
  env: texts.optional(),
  workdir: text.optional(),
  user: text.optional(),
  hostname: text.optional(),
  readOnly: z.boolean().optional(),
  tmpfs: z.array(z.object({ destination: absolute, options: texts }).strict()).max(1000).optional(),
  binds: z.array(z.object({ source: absolute, destination: absolute, readOnly: z.boolean(), propagation: propagation.optional() }).strict()).max(1000).optional(),
  capAdd: texts.optional(),
  capDrop: texts.optional(),
  noNewPrivileges: z.boolean().optional(),
  seccompProfile: z.union([z.literal("unconfined"), absolute]).optional(),
  memory: z.number().int().min(0).optional(),
  memorySwap: z.number().int().min(-1).optional(),
  cpus: z.number().positive().optional(),
  pidsLimit: z.number().int().optional(),
  network: text.optional(),
  networkAliases: texts.optional(),
  publish: z.array(z.object({ hostIp: text, hostPort: port, containerPort: port, protocol: z.enum(["tcp", "udp"]), range: port.min(1), hostPortEnd: port.optional() }).strict()
    .superRefine((m, ctx) => {
      const problem = hostRangeProblem(m);
      if (problem !== undefined) ctx.addIssue({ code: "custom", path: ["hostPortEnd"], message: problem });
    })).max(1000).optional(),
  init: z.boolean().optional(),
  name: text.optional(),
  labels: z.record(text, text).optional(),
  restartPolicy: z.object({ name: z.enum(["no", "on-failure", "always", "unless-stopped"]), maximumRetryCount: z.number().int().min(0) }).strict().optional(),
  healthFlags: z.object({
    cmd: text.optional(), interval: text.optional(), timeout: text.optional(), startPeriod: text.optional(), retries: text.optional(), onFailure: text.optional(), noHealthcheck: z.boolean().optional(),
  }).strict().optional(),
  health: z.object({
    test: texts, intervalMs: ms, timeoutMs: ms, startPeriodMs: ms, startIntervalMs: ms.optional(), retries: z.number().int().min(0), onFailure: z.enum(["none", "kill", "restart", "stop"]),
  }).strict().optional(),
  mounts: z.array(z.discriminatedUnion("type", [
    z.object({ type: z.literal("bind"), source: absolute, target: absolute, readOnly: z.boolean(), propagation: propagation.optional(), origin: text }).strict(),
    z.object({ type: z.literal("volume"), name: text.optional(), target: absolute, readOnly: z.boolean(), noCopy: z.boolean(), labels: z.record(text, text), origin: text }).strict(),
    z.object({ type: z.literal("tmpfs"), target: absolute, options: texts, origin: text }).strict(),
  ])).max(1000).optional(),
  publishAll: z.boolean().optional(),
  autoRemove: z.boolean().optional(),
  tty: z.boolean().optional(),
  runtime: absolute.optional(),
  pull: z.enum(["missing", "always", "never"]).optional(),
  platform: z.object({ os: text, architecture: text, variant: text.optional() }).strict().optional(),
}).strict();

/** A process named so that a reused pid does not pass for it: a foreground run's follower, a run's caller. */
const processIdentitySchema = z.object({ pid: z.number().int().positive(), startTime: z.string().regex(/^[0-9]{1,20}$/) }).strict();

const runSchema = z.object({
  image: z.string().min(1).max(4096),
  options: runOptionsSchema,
  attached: processIdentitySchema.optional(),
}).strict();

/** `POST /v1/containers/run`: what to run, and the foreground berth that follows it (none for `-d`). */
export interface RunRequest {
  readonly image: string;
  readonly options: CreateContainerOptions;
  readonly attached?: ProcessIdentity;
}

export const parseRunRequest = (body: unknown): RunRequest => defined(parse(runSchema, body, "run")) as RunRequest;

/** The run socket's `caller` (run-socket.ts). */
export const parseProcessIdentity = (body: unknown, what: string): ProcessIdentity => parse(processIdentitySchema, body, what);

const killSchema = z.object({ signal: z.string().regex(/^[A-Za-z0-9+-]{1,24}$/) }).strict();

/** `POST /v1/containers/ID/kill`: the signal a foreground `berth run` passes on (a name or a number, as `berth kill -s`). */
export const parseKillRequest = (body: unknown): { signal: string } => parse(killSchema, body, "kill");
