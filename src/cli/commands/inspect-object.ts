import { inspectStoredImage } from "../../image/index.js";
import { BerthError, InvalidArgumentError, isBerthError } from "../../oci/index.js";
import { inspectNetwork, NetworkStore } from "../../runtime/index.js";
import type { GlobalOptions } from "../main.js";
import { runtimeOf } from "./container-cli.js";

/** The kinds `berth inspect --type` takes; without it they are tried in this order, docker's. */
export const INSPECT_TYPES = ["container", "image", "network", "volume"] as const;
export type InspectType = (typeof INSPECT_TYPES)[number];

/** `--type` as given: one of INSPECT_TYPES, else an InvalidArgumentError naming them. */
export function parseInspectType(value: string | undefined): InspectType | undefined {
  if (value === undefined) return undefined;
  const type = INSPECT_TYPES.find((t) => t === value);
  if (type === undefined) throw new InvalidArgumentError(`--type ${value}: not a kind of object berth inspects`, { hint: `give one of ${INSPECT_TYPES.join(", ")}` });
  return type;
}

/**
 * A lookup per kind for `berth inspect REF…`, docker's: with a `type`, that
 * kind's object REF names; without, the first of container, image, network,
 * volume that knows REF. A kind that does not know the name (NOT_FOUND) or
 * cannot hold it (INVALID_ARGUMENT: `busybox:1` is no volume name) is passed
 * over; another failure is thrown. None: NOT_FOUND, which inspectEach prints
 * as docker's `no such object: REF`.
 */
export function objectInspector(globals: () => GlobalOptions, type: InspectType | undefined): (ref: string) => Promise<unknown> {
  const rt = runtimeOf(globals);
  const lookups: Record<InspectType, (ref: string) => Promise<unknown>> = {
    container: (ref) => rt.inspect(ref),
    image: (ref) => inspectStoredImage(rt.ctx.store, ref),
    network: async (ref) => {
      const networks = new NetworkStore(rt.ctx.root);
      if (ref === "bridge") await networks.ensureDefault(); // made on first use, as network inspect does
      return inspectNetwork(await networks.inspect(ref));
    },
    volume: (ref) => rt.ctx.volumes().inspect(ref),
  };
  if (type !== undefined) return lookups[type];
  return async (ref) => {
    for (const kind of INSPECT_TYPES) {
      try {
        return await lookups[kind](ref);
      } catch (e) {
        if (!isBerthError(e, "NOT_FOUND") && !isBerthError(e, "INVALID_ARGUMENT")) throw e;
      }
    }
    throw new BerthError("NOT_FOUND", `no such object: ${ref}`);
  };
}
