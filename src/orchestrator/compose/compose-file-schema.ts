import * as z from "zod";
import { bool, external, ignored, listOrDict, RESOURCE_NAME, scalarString } from "./schema-primitives.js";
import { serviceSchema } from "./service-schema.js";

const driverOpts = z.record(z.string(), scalarString).optional();

/** A top-level network; `null` (`front:` with nothing after it) means all defaults. */
export const networkSchema = z.object({
  name: z.string().optional(),
  driver: z.string().optional(),
  driver_opts: driverOpts,
  external: external.optional(),
  internal: bool.optional(),
  attachable: bool.optional(),
  enable_ipv6: bool.optional(),
  enable_ipv4: ignored,
  ipam: z.object({
    driver: z.string().optional(),
    config: z.array(z.object({ subnet: z.string().optional(), ip_range: z.string().optional(), gateway: z.string().optional(), aux_addresses: ignored })).optional(),
    options: ignored,
  }).optional(),
  labels: listOrDict.optional(),
}).nullable();

/** A top-level volume. */
export const volumeSchema = z.object({
  name: z.string().optional(),
  driver: z.string().optional(),
  driver_opts: driverOpts,
  external: external.optional(),
  labels: listOrDict.optional(),
}).nullable();

/** A top-level secret or config. */
export const fileResourceSchema = z.object({
  name: z.string().optional(),
  file: z.string().optional(),
  environment: z.string().optional(),
  content: z.string().optional(),
  external: external.optional(),
  labels: listOrDict.optional(),
  driver: ignored,
  driver_opts: ignored,
  template_driver: ignored,
});

const named = <T extends z.ZodType>(what: string, value: T) =>
  z.record(z.string().regex(RESOURCE_NAME, { error: `is not a ${what} name (letters, digits, ".", "_" and "-")` }), value);

/**
 * One compose file, or the merge of several: the top-level elements of the
 * compose-spec. `version` is accepted and ignored, as docker compose v2 does;
 * `include` is refused by the loader.
 */
export const composeFileSchema = z.object({
  version: ignored,
  name: z.string().optional(),
  services: named("service", serviceSchema).nullable().optional(),
  networks: named("network", networkSchema).nullable().optional(),
  volumes: named("volume", volumeSchema).nullable().optional(),
  secrets: named("secret", fileResourceSchema).nullable().optional(),
  configs: named("config", fileResourceSchema).nullable().optional(),
  include: ignored,
  models: ignored,
});

export type ComposeFileInput = z.output<typeof composeFileSchema>;
