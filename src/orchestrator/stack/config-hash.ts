import { createHash } from "node:crypto";
import type { ComposeService } from "../compose/index.js";

/**
 * The `com.docker.compose.config-hash` of a service: the SHA-256 (hex) of its
 * normalised config in canonical JSON (object keys sorted at every depth,
 * undefined left out), so the same file gives the same hash on every run
 * and a reordered mapping changes nothing.
 *
 * Left out, as compose-go's ServiceHash leaves them out, are the fields that
 * say how many replicas run or how they are made rather than what each one
 * is: `build`, `pull_policy`, `deploy.replicas`, `depends_on`, `profiles`;
 * berth also leaves out `env_file` paths (their values are in
 * `environment`), `deploy.update_config`/`rollback_config` (how to roll
 * out, not what) and `x-berth` (autoscaling and right-sizing never recreate
 * a replica). A changed hash means: recreate the service's replicas.
 */
export function configHash(service: ComposeService): string {
  const { build: _b, pullPolicy: _p, dependsOn: _d, profiles: _pr, envFiles: _e, berth: _x, deploy, ...rest } = service;
  const { replicas: _r, updateConfig: _u, rollbackConfig: _rb, ...placement } = deploy;
  return createHash("sha256").update(canonicalJson({ ...rest, deploy: placement })).digest("hex");
}

/** JSON with object keys sorted at every depth; undefined fields dropped, as JSON.stringify drops them. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = sortKeys(v);
  }
  return out;
}
