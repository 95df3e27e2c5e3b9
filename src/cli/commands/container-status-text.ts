import type { ContainerSummary, PortMapping } from "../../runtime/index.js";

/** docker's units.HumanDuration: "Less than a second", "5 seconds", "About a minute", "3 hours", … */
export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 1) return "Less than a second";
  if (s === 1) return "1 second";
  if (s < 60) return `${s} seconds`;
  const m = Math.floor(s / 60);
  if (m === 1) return "About a minute";
  if (m < 60) return `${m} minutes`;
  const h = Math.round(s / 3600);
  if (h === 1) return "About an hour";
  if (h < 48) return `${h} hours`;
  if (h < 24 * 7 * 2) return `${Math.floor(h / 24)} days`;
  if (h < 24 * 30 * 2) return `${Math.floor(h / 24 / 7)} weeks`;
  if (h < 24 * 365 * 2) return `${Math.floor(h / 24 / 30)} months`;
  return `${Math.floor(h / 24 / 365)} years`;
}

/** The STATUS column of `ps`: "Up 5 seconds (healthy)", "Exited (0) 3 minutes ago", "Created". */
export function statusText(c: ContainerSummary, now = Date.now()): string {
  const s = c.state;
  const since = (iso: string | undefined): number => (iso === undefined ? 0 : now - Date.parse(iso));
  switch (s.status) {
    case "running": {
      const health = c.health !== undefined ? ` (${c.health.status === "starting" ? "health: starting" : c.health.status})` : "";
      return `Up ${humanDuration(since(s.startedAt))}${health}${c.monitorLost ? " (monitor lost)" : ""}`;
    }
    case "restarting":
      return `Restarting (${s.exitCode ?? 0}) ${humanDuration(since(s.finishedAt))} ago`;
    case "exited":
      return s.finishedAt === undefined ? "Created" : `Exited (${s.exitCode ?? 0}) ${humanDuration(since(s.finishedAt))} ago`;
    case "removing":
      return "Removal In Progress";
    default:
      return "Created";
  }
}

/**
 * The PORTS column as docker's ps writes it (its DisplayablePorts): one
 * entry per published port, sorted by container port, then address, host
 * port, protocol; runs of consecutive ports published on the same port
 * number (`8000-8001:8000-8001`) are joined (`0.0.0.0:8000-8001->8000-8001/tcp`)
 * and come first (a finished run, then the last run of each address and
 * protocol in the order each was first seen); a port on another number
 * stands alone (`127.0.0.1:18000->80/tcp`, `…:18001->81/tcp` for `18000-18001:80-81`).
 */
export function portsText(ports: readonly PortMapping[]): string {
  const singles = ports.flatMap((p) => Array.from({ length: p.range }, (_, i) => ({
    ip: p.hostIp || "0.0.0.0", host: p.hostPort + i, ctr: p.containerPort + i, protocol: p.protocol,
  })));
  singles.sort((a, b) => a.ctr - b.ctr || (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0) || a.host - b.host || a.protocol.localeCompare(b.protocol));
  const runs = new Map<string, { first: number; last: number }>();
  const joined: string[] = [];
  const apart: string[] = [];
  const run = (key: string, r: { first: number; last: number }): string => {
    const span = r.first === r.last ? String(r.first) : `${r.first}-${r.last}`;
    const [ip, protocol] = key.split("/");
    return `${ip}:${span}->${span}/${protocol}`;
  };
  for (const p of singles) {
    if (p.host !== p.ctr) {
      apart.push(`${p.ip}:${p.host}->${p.ctr}/${p.protocol}`);
      continue;
    }
    const key = `${p.ip}/${p.protocol}`;
    const r = runs.get(key);
    if (r === undefined) runs.set(key, { first: p.ctr, last: p.ctr });
    else if (p.ctr === r.last + 1) r.last = p.ctr;
    else {
      joined.push(run(key, r));
      runs.set(key, { first: p.ctr, last: p.ctr }); // the key keeps its place in the order, as in docker's list of map keys
    }
  }
  return [...joined, ...[...runs].map(([key, r]) => run(key, r)), ...apart].join(", ");
}
