import {
  NetworkInUseError, NetworkNotFoundError, VolumeInUseError, VolumeNotFoundError, type NetworkStore, type VolumeStore,
} from "../../runtime/index.js";
import { ExternalResourceNotFoundError } from "./errors.js";
import type { Emit } from "./stack-event.js";
import { LABEL_PROJECT } from "./stack-labels.js";
import type { PlannedNetwork, PlannedVolume } from "./stack-plan.js";

/**
 * Check that every external network and volume exists, before anything is
 * created: a missing one fails `up` with nothing made. Throws ExternalResourceNotFoundError.
 */
export async function checkExternalResources(networks: NetworkStore, volumes: VolumeStore, plan: { networks: readonly PlannedNetwork[]; volumes: readonly PlannedVolume[] }): Promise<void> {
  for (const n of plan.networks.filter((x) => x.external)) {
    await networks.inspect(n.name).catch((e: unknown) => {
      throw e instanceof NetworkNotFoundError ? new ExternalResourceNotFoundError("network", n.name) : e;
    });
  }
  for (const v of plan.volumes.filter((x) => x.external)) {
    await volumes.inspect(v.name).catch((e: unknown) => {
      throw e instanceof VolumeNotFoundError ? new ExternalResourceNotFoundError("volume", v.name) : e;
    });
  }
}

/**
 * Create the stack's networks that do not exist (with their subnet and
 * labels); check that external ones do. A network of that name the stack
 * did not make is used as it is, with a warning, as docker compose does.
 * Throws ExternalResourceNotFoundError, and the network store's errors
 * (SubnetOverlapError, AddressPoolExhaustedError, …).
 */
export async function ensureNetworks(store: NetworkStore, project: string, networks: readonly PlannedNetwork[], emit: Emit): Promise<void> {
  for (const n of networks) {
    const existing = await store.inspect(n.name).catch((e: unknown) => {
      if (e instanceof NetworkNotFoundError) return undefined;
      throw e;
    });
    if (n.external) {
      if (existing === undefined) throw new ExternalResourceNotFoundError("network", n.name);
      continue;
    }
    if (existing !== undefined) {
      if (existing.labels[LABEL_PROJECT] !== project) emit("", "warning", `network ${n.name} exists but was not created for project ${project}; using it (set external: true to say so)`);
      continue;
    }
    await store.create(n.name, {
      ...(n.subnet !== undefined && { subnet: n.subnet }),
      ...(n.gateway !== undefined && { gateway: n.gateway }),
      internal: n.internal,
      labels: n.labels,
    });
    emit("", "network-create", `created network ${n.name}${n.subnet !== undefined ? ` (${n.subnet})` : ""}`);
  }
}

/** Create the stack's named volumes that do not exist; check that external ones do. */
export async function ensureVolumes(store: VolumeStore, project: string, volumes: readonly PlannedVolume[], emit: Emit): Promise<void> {
  for (const v of volumes) {
    const existing = await store.inspect(v.name).catch((e: unknown) => {
      if (e instanceof VolumeNotFoundError) return undefined;
      throw e;
    });
    if (v.external) {
      if (existing === undefined) throw new ExternalResourceNotFoundError("volume", v.name);
      continue;
    }
    if (existing !== undefined) {
      if (existing.Labels[LABEL_PROJECT] !== project) emit("", "warning", `volume ${v.name} exists but was not created for project ${project}; using it (set external: true to say so)`);
      continue;
    }
    await store.create(v.name, { labels: v.labels });
    emit("", "volume-create", `created volume ${v.name}`);
  }
}

/**
 * Remove every network labelled for `project`. One still in use (by a
 * container `down` was told to leave, such as an orphan) is kept, with a
 * warning. Returns the names removed.
 */
export async function removeProjectNetworks(store: NetworkStore, project: string, emit: Emit): Promise<string[]> {
  const removed: string[] = [];
  for (const n of await store.list()) {
    if (n.labels[LABEL_PROJECT] !== project) continue;
    try {
      await store.remove(n.name);
      removed.push(n.name);
      emit("", "network-remove", `removed network ${n.name}`);
    } catch (e) {
      if (e instanceof NetworkNotFoundError) continue;
      if (!(e instanceof NetworkInUseError)) throw e;
      emit("", "warning", `network ${n.name} kept: ${e.message}`);
    }
  }
  return removed;
}

/** Remove every volume labelled for `project` (`down -v`); one still in use is kept, with a warning. */
export async function removeProjectVolumes(store: VolumeStore, project: string, emit: Emit): Promise<string[]> {
  const removed: string[] = [];
  for (const v of await store.list()) {
    if (v.Labels[LABEL_PROJECT] !== project) continue;
    try {
      if (await store.remove(v.Name)) {
        removed.push(v.Name);
        emit("", "volume-remove", `removed volume ${v.Name}`);
      }
    } catch (e) {
      if (!(e instanceof VolumeInUseError)) throw e;
      emit("", "warning", `volume ${v.Name} kept: ${e.message}`);
    }
  }
  return removed;
}
