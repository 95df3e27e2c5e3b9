import type { ContentKind } from "./layer-content.js";

const KiB = 1024;
const MiB = 1024 * KiB;

/** `count` files of `bytes` each under `dir`, all of one kind. */
export interface FileGroup {
  readonly dir: string;
  readonly count: number;
  readonly bytes: number;
  readonly kind: ContentKind;
  /** Small files keep their size when the image is scaled with --mib; big ones shrink or grow. */
  readonly scales: boolean;
}

/** One layer of the bench image. No two layers write the same path, so the rootfs holds every file. */
export interface LayerSpec {
  readonly name: string;
  readonly groups: readonly FileGroup[];
}

/** The image at its default size. */
export const PLAN_MIB = 300;

const group = (dir: string, count: number, bytes: number, kind: ContentKind): FileGroup =>
  ({ dir, count, bytes, kind, scales: bytes >= 64 * KiB });

/**
 * Ten layers, 299.5 MiB of file content before scaling: 151 MiB random (gzip cannot shrink
 * it), 116 MiB text of three shapes, 32 MiB half random; 4,768 files, 4,420 of them 16 KiB or
 * smaller, so the per-file costs of an unpacker show as well as its throughput.
 */
const PLAN: readonly LayerSpec[] = [
  { name: "base", groups: [group("etc/bench", 1500, 2 * KiB, "source"), group("usr/share/doc/bench", 800, 6 * KiB, "log")] },
  { name: "runtime", groups: [group("opt/runtime/bin", 1, 44 * MiB, "random")] },
  { name: "logs", groups: [group("var/log/bench", 4, 11 * MiB, "log")] },
  { name: "libs", groups: [group("usr/lib/bench", 12, 2 * MiB, "random")] },
  { name: "data", groups: [group("srv/data", 2, 19 * MiB, "records")] },
  { name: "assets", groups: [group("srv/www/assets", 320, 100 * KiB, "random")] },
  { name: "source", groups: [group("app/src", 1600, 16 * KiB, "source")] },
  { name: "models", groups: [group("app/models", 2, 16 * MiB, "sparse")] },
  { name: "vendor", groups: [group("app/vendor/lib", 6, 4 * MiB, "random"), group("app/vendor/meta", 400, 4 * KiB, "records")] },
  { name: "app", groups: [group("app/bin", 1, 28 * MiB, "random"), group("app/etc", 120, 1 * KiB, "log")] },
];

/**
 * The layer plan for an image of about `mib` MiB of file content: the small files (28 MiB) stay
 * as they are, so per-file costs stay in the picture; the big files are scaled so that the total
 * comes out near `mib` (each at least 4 KiB). Base layer first.
 */
export function layerPlan(mib: number): readonly LayerSpec[] {
  const all = planTotals(PLAN).bytes;
  const small = planTotals(PLAN.map((l) => ({ ...l, groups: l.groups.filter((g) => !g.scales) }))).bytes;
  const scale = Math.max(0, mib * MiB - small) / (all - small);
  return PLAN.map((layer) => ({
    name: layer.name,
    groups: layer.groups.map((g) => (g.scales ? { ...g, bytes: Math.max(4 * KiB, Math.round(g.bytes * scale)) } : g)),
  }));
}

/** Files and content bytes a plan puts in the rootfs. */
export function planTotals(plan: readonly LayerSpec[]): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const g of plan.flatMap((l) => l.groups)) {
    files += g.count;
    bytes += g.count * g.bytes;
  }
  return { files, bytes };
}
