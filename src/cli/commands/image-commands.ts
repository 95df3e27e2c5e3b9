import { Command } from "commander";
import {
  imageSize, ImageStore, inspectStoredImage, openImage, removeImages, tagImage,
} from "../../image/index.js";
import { parseReference, familiarName } from "../../oci/index.js";
// Not ContainerRuntime: what rmi and prune need of the runtime is which images containers use, and the whole
// runtime would make this command's bundle five times larger.
import { imageUsers, RuntimeContext } from "../../runtime/index.js";
import { resolveBerthRoot } from "../berth-root.js";
import { formatBytes } from "../format.js";
import { goTime } from "../go-time.js";
import { GoStruct } from "../go-template/go-template.js";
import { inspectEach } from "../inspect-each.js";
import { INSPECT_FORMAT_FLAG, parseInspectFormat } from "../inspect-format.js";
import { headerRow, parseListFormat, renderList } from "../list-format.js";
import { printError } from "../print-error.js";
import { imagePruneCommand } from "./image-prune-command.js";
import type { GlobalOptions } from "../main.js";
import { formatAge, renderTable } from "../table.js";

export const imageStore = (globals: GlobalOptions): ImageStore => new ImageStore(resolveBerthRoot(globals.root));

interface ListedImage {
  readonly repository: string;
  readonly tag: string;
  readonly digest: string;
  readonly id: string;
  readonly created: string;
  readonly size: number;
}

async function listImages(store: ImageStore): Promise<ListedImage[]> {
  const out: ListedImage[] = [];
  for (const r of await store.list()) {
    const ref = parseReference(r.name);
    const view = await openImage(store.content, r.target, r.platform).catch(() => undefined);
    out.push({
      repository: familiarName({ registry: ref.registry, repository: ref.repository }),
      tag: ref.tag ?? "<none>",
      digest: r.target.digest,
      id: view?.configDescriptor.digest ?? r.target.digest,
      created: view?.config.created ?? "",
      size: view ? await imageSize(view, store) : 0,
    });
  }
  return out;
}

const IMAGE_ROW_TYPE = "*formatter.imageContext";

/** The header row of `images --format 'table …'`: docker's column names. */
const IMAGE_LIST_HEADER = headerRow(IMAGE_ROW_TYPE, {
  ID: "IMAGE ID", Repository: "REPOSITORY", Tag: "TAG", Digest: "DIGEST", CreatedSince: "CREATED", CreatedAt: "CREATED AT", Size: "SIZE",
}, []);

/** One `images` row as `--format` templates see it: the fields of docker's images template. */
function imageListRow(i: ListedImage, short: (d: string) => string, now: number): GoStruct {
  return new GoStruct(IMAGE_ROW_TYPE, {
    ID: short(i.id), Repository: i.repository, Tag: i.tag, Digest: i.digest,
    CreatedSince: formatAge(i.created, now), CreatedAt: goTime(i.created), Size: formatBytes(i.size),
  }, {
    Containers: "berth does not count an image's containers in its list: use berth ps --filter ancestor=IMAGE",
    SharedSize: "berth does not report shared and unique sizes", UniqueSize: "berth does not report shared and unique sizes",
    VirtualSize: "use .Size",
  });
}

function listAction(globals: () => GlobalOptions) {
  // `--no-trunc` is commander's negation of `trunc` (default true), as in ps and network ls.
  return async (opts: { quiet?: boolean; digests?: boolean; format?: string; trunc: boolean }): Promise<void> => {
    // Read first: a bad template is a usage error before anything is listed. berth's `json` (one array) stays as it was.
    const format = opts.format === undefined || opts.format === "json" || opts.quiet ? undefined : parseListFormat(opts.format);
    const images = await listImages(imageStore(globals()));
    const short = (d: string): string => (!opts.trunc ? d : d.replace(/^sha256:/, "").slice(0, 12));
    if (opts.format === "json") {
      process.stdout.write(`${JSON.stringify(images, null, 2)}\n`);
    } else if (format?.kind === "template") {
      const now = Date.now();
      process.stdout.write(renderList(format, images.map((i) => imageListRow(i, short, now)), IMAGE_LIST_HEADER));
    } else if (opts.quiet) {
      process.stdout.write([...new Set(images.map((i) => short(i.id)))].map((l) => `${l}\n`).join(""));
    } else {
      const headers = ["REPOSITORY", "TAG", ...(opts.digests ? ["DIGEST"] : []), "IMAGE ID", "CREATED", "SIZE"];
      const rows = images.map((i) => [i.repository, i.tag, ...(opts.digests ? [i.digest] : []), short(i.id), formatAge(i.created), formatBytes(i.size)]);
      process.stdout.write(renderTable(headers, rows));
    }
  };
}

/** The image commands that work on the local store alone: images, tag, rmi, image inspect|ls|rm|tag|prune. */
export function imageCommands(globals: () => GlobalOptions): Command[] {
  const list = (c: Command): Command =>
    c.description("list images in the local store")
      .option("-q, --quiet", "print image ids only")
      .option("--digests", "show manifest digests")
      .option("--no-trunc", "show full ids")
      .option("--format <template>", "a Go template per image: {{.ID}} {{.Repository}} {{.Tag}} {{.Digest}} {{.CreatedSince}} {{.CreatedAt}} {{.Size}}; "
        + "'table TEMPLATE' for aligned columns with a header; json for berth's JSON array")
      .action(listAction(globals));

  const tag = (c: Command): Command =>
    c.description("give an image another name").argument("<source>", "name, image id or manifest digest of an image").argument("<target>", "new name, [host/]repository[:tag]")
      .action(async (source: string, target: string) => {
        await tagImage(imageStore(globals()), source, target);
      });

  const rmi = (c: Command): Command =>
    c.description("remove image names (an id removes all its names with -f), then prune unreferenced blobs; "
      + "an image a container uses keeps its content: its last name needs -f, and a running container's image cannot be removed by id")
      .argument("<images...>", "names, image ids or manifest digests (a prefix of 4+ hex digits will do)")
      .option("-f, --force", "remove an image that has several names, or one a stopped container uses (the container keeps its layers)")
      .action(async (refs: string[], opts: { force?: boolean }) => {
        const store = imageStore(globals());
        const users = await imageUsers(new RuntimeContext(store));
        // docker's way: every name is tried, each failure printed; exit 1 if any failed, as rm and stop.
        const r = await removeImages(store, refs, { ...opts, users });
        for (const image of r.images) {
          if ("error" in image) printError(image.error);
          else for (const name of image.untagged) process.stdout.write(`Untagged: ${name}\n`);
        }
        for (const b of r.deleted) process.stdout.write(`Deleted: ${b.digest}\n`);
        if (r.snapshotsRemoved.length > 0) process.stdout.write(`Removed ${r.snapshotsRemoved.length} unpacked layers\n`);
        if (r.pruned.length > 0) {
          const bytes = r.pruned.reduce((n, b) => n + b.size, 0);
          process.stdout.write(`Pruned ${r.pruned.length} unreferenced blob${r.pruned.length === 1 ? "" : "s"} of no image named here (${formatBytes(bytes)})\n`);
        }
        if (r.images.some((i) => "error" in i)) process.exitCode = 1;
      });

  const inspect = new Command("inspect").description("show images as docker's JSON (an array), or each through a Go template (-f)")
    .argument("<images...>", "names, image ids or manifest digests")
    .option(...INSPECT_FORMAT_FLAG)
    .action(async (refs: string[], opts: { format?: string }) => {
      const format = parseInspectFormat(opts.format);
      const store = imageStore(globals());
      const stored = await store.list();
      await inspectEach("image", refs, format, (ref) => inspectStoredImage(store, ref, stored));
    });

  const image = new Command("image").description("manage images in the local store");
  image.addCommand(list(new Command("ls").alias("list")));
  image.addCommand(tag(new Command("tag")));
  image.addCommand(rmi(new Command("rm")));
  image.addCommand(inspect);
  image.addCommand(imagePruneCommand(globals));
  return [image, list(new Command("images")), tag(new Command("tag")), rmi(new Command("rmi"))];
}
