import { containerNetworks, DEFAULT_NETWORK, dockerState, type ContainerSummary } from "../../runtime/index.js";
import { GoStruct } from "../go-template/go-template.js";
import { headerRow } from "../list-format.js";
import { goTime } from "../go-time.js";
import { humanDuration, portsText, statusText } from "./container-status-text.js";


/** docker's COMMAND: the command line quoted, cut to 20 characters with an ellipsis unless --no-trunc. */
export function commandText(c: ContainerSummary, trunc: boolean): string {
  const command = JSON.stringify(c.command.join(" "));
  return trunc && command.length > 22 ? `${command.slice(0, 19)}…"` : command;
}

/** docker's CREATED: "5 minutes ago". */
export const ageText = (iso: string, now: number): string => `${humanDuration(now - Date.parse(iso))} ago`;


const TYPE = "*formatter.ContainerContext";

/**
 * One `ps` row as `--format` templates see it: the fields of docker's
 * ps template, with docker's texts. `.Size` is docker's too but berth
 * does not measure containers' writable layers, so asking for it says so.
 */
export function containerListRow(c: ContainerSummary, opts: { trunc: boolean; now: number }): GoStruct {
  const labels = c.record.labels ?? {};
  const binds = (c.record.options.binds ?? []).map((b) => b.source);
  return new GoStruct(TYPE, {
    ID: opts.trunc ? c.record.id.slice(0, 12) : c.record.id,
    Image: c.record.image,
    Command: commandText(c, opts.trunc),
    CreatedAt: goTime(c.record.created),
    RunningFor: ageText(c.record.created, opts.now),
    Ports: portsText(c.ports),
    State: dockerState(c),
    Status: statusText(c, opts.now),
    Names: c.record.name ?? "",
    Labels: Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join(","),
    Label: (key: unknown) => labels[String(key)] ?? "",
    Mounts: [...(c.record.volumes ?? []), ...binds].join(","),
    Networks: networksText(c),
    LocalVolumes: String((c.record.volumes ?? []).length),
  }, { Size: "berth does not measure containers' sizes (docker's ps --size): leave .Size out" });
}

/** docker's NETWORKS: the networks the container joins (`network connect` adds to them), or its mode, `none` or `host`. */
function networksText(c: ContainerSummary): string {
  const mode = c.record.options.network ?? DEFAULT_NETWORK;
  return mode === "none" || mode === "host" || c.record.networks === undefined ? mode : containerNetworks(c.record).map((n) => n.name).join(",");
}

/** The header row of `ps --format 'table …'`: docker's column names. */
export const CONTAINER_LIST_HEADER = headerRow(TYPE, {
  ID: "CONTAINER ID", Image: "IMAGE", Command: "COMMAND", CreatedAt: "CREATED AT", RunningFor: "CREATED", Ports: "PORTS",
  State: "STATE", Status: "STATUS", Size: "SIZE", Names: "NAMES", Labels: "LABELS", Mounts: "MOUNTS", Networks: "NETWORKS", LocalVolumes: "LOCAL VOLUMES",
}, ["Label"]);
