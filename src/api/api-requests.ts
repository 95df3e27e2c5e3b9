import * as z from "zod";
import { InvalidArgumentError } from "../oci/index.js";
import type { BuildImageRequest } from "../build/index.js";
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
  scale: counts.optional(),
  removeOrphans: z.boolean().optional(),
  timeoutS: timeoutS.optional(),
}).strict();

const buildSchema = z.object({
  context: z.string().startsWith("/"),
  dockerfile: z.string().startsWith("/").optional(),
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

// Optional fields are dropped rather than set to undefined (exactOptionalPropertyTypes).
const defined = <T extends object>(v: T): T => Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined)) as T;

export const parseUpRequest = (body: unknown): StackUpRequest => defined(parse(upSchema, body, "up")) as StackUpRequest;
export const parseDownRequest = (body: unknown): StackDownRequest => defined(parse(downSchema, body, "down")) as StackDownRequest;
export const parseScaleRequest = (body: unknown): Record<string, number> => parse(scaleSchema, body, "scale").scale;
export const parseStopRequest = (body: unknown): { timeoutS?: number } => defined(parse(stopSchema, body, "stop")) as { timeoutS?: number };
export const parseBuildRequest = (body: unknown): BuildImageRequest => defined(parse(buildSchema, body, "build")) as BuildImageRequest;
