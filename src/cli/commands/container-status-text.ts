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

/** The PORTS column: `0.0.0.0:8080->80/tcp, 127.0.0.1:5353->53/udp`. */
export function portsText(ports: readonly PortMapping[]): string {
  return ports.map((p) => {
    const host = `${p.hostIp || "0.0.0.0"}:${p.range > 1 ? `${p.hostPort}-${p.hostPort + p.range - 1}` : p.hostPort}`;
    const ctr = p.range > 1 ? `${p.containerPort}-${p.containerPort + p.range - 1}` : `${p.containerPort}`;
    return `${host}->${ctr}/${p.protocol}`;
  }).join(", ");
}
