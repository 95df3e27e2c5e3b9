import { InvalidArgumentError } from "../../oci/index.js";
import { CLOCK_TICKS_PER_SECOND as HZ } from "./cpu-percent.js";
import type { ProcProcess } from "./proc-process.js";

/** The host facts every row needs, read once per table. */
export interface PsContext {
  /** Seconds since boot (/proc/uptime). */
  readonly uptime: number;
  /** Boot time, seconds since the epoch (`btime` of /proc/stat). */
  readonly bootTime: number;
  readonly now: Date;
  /** The host's user name of a uid, if it has one. */
  readonly userName: (uid: number) => string | undefined;
}

/** One column as procps `ps` prints it. */
export interface PsColumn {
  readonly title: string;
  readonly cell: (p: ProcProcess, ctx: PsContext) => string;
}

// ps prints what a process says about itself; a terminal escape in a command line must not reach the user's terminal.
const printable = (s: string): string => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, "?");

/** procps: a name longer than the 8-cell column is cut to 7 characters and "+". */
const user = (p: ProcProcess, ctx: PsContext): string => {
  const name = ctx.userName(p.euid);
  if (name === undefined) return String(p.euid);
  return printable(name.length > 8 ? `${name.slice(0, 7)}+` : name);
};

const command = (p: ProcProcess): string => {
  const text = p.args.length > 0 ? p.args.join(" ") : `[${p.comm}]`;
  return printable(p.state === "Z" ? `[${p.comm}] <defunct>` : text);
};

const two = (n: number): string => String(n).padStart(2, "0");

/** `[D-]HH:MM:SS` of CPU time (procps `time`). */
const cpuTime = (p: ProcProcess): string => {
  const t = Math.floor(p.cpuTicks / HZ);
  const days = Math.floor(t / 86400);
  const clock = `${two(Math.floor(t / 3600) % 24)}:${two(Math.floor(t / 60) % 60)}:${two(t % 60)}`;
  return days > 0 ? `${days}-${clock}` : clock;
};

/** `[[D-]HH:]MM:SS` since start (procps `etime`). */
const elapsed = (p: ProcProcess, ctx: PsContext): string => {
  const t = Math.max(0, Math.floor(ctx.uptime - p.startTicks / HZ));
  const days = Math.floor(t / 86400);
  const hours = Math.floor(t / 3600) % 24;
  const tail = `${two(Math.floor(t / 60) % 60)}:${two(t % 60)}`;
  if (days > 0) return `${days}-${two(hours)}:${tail}`;
  return hours > 0 ? `${two(hours)}:${tail}` : tail;
};

/** procps-ng 4 `c`: integer percent of CPU over the process's life, at most 99. */
const lifetimeCpu = (p: ProcProcess, ctx: PsContext): string => {
  const jiffies = Math.floor((ctx.uptime - p.startTicks / HZ) * HZ);
  return String(jiffies > 0 ? Math.min(99, Math.floor((p.cpuTicks * 100) / jiffies)) : 0);
};

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** procps `stime`: HH:MM today, MonDD this year, else the year, in local time. */
const startTime = (p: ProcProcess, ctx: PsContext): string => {
  const t = new Date((ctx.bootTime + p.startTicks / HZ) * 1000);
  if (t.getFullYear() !== ctx.now.getFullYear()) return String(t.getFullYear());
  const sameDay = t.getMonth() === ctx.now.getMonth() && t.getDate() === ctx.now.getDate();
  return sameDay ? `${two(t.getHours())}:${two(t.getMinutes())}` : `${MONTHS[t.getMonth()]}${two(t.getDate())}`;
};

/** The terminal's name from its device number (pts, virtual consoles, serial), "?" for none. */
export function ttyName(ttyNr: number): string {
  if (ttyNr === 0) return "?";
  const major = (ttyNr >> 8) & 0xfff;
  const minor = (ttyNr & 0xff) | ((ttyNr >> 12) & 0xfff00);
  if (major >= 136 && major <= 143) return `pts/${minor + (major - 136) * 256}`;
  if (major === 4) return minor < 64 ? `tty${minor}` : `ttyS${minor - 64}`;
  if (major === 5 && minor === 1) return "console";
  return "?";
}

const ttyCell = (p: ProcProcess): string => ttyName(p.ttyNr);

/** `ps -o` keys berth knows, with procps's titles. */
export const PS_COLUMNS: Readonly<Record<string, PsColumn>> = {
  pid: { title: "PID", cell: (p) => String(p.pid) },
  ppid: { title: "PPID", cell: (p) => String(p.ppid) },
  uid: { title: "UID", cell: (p) => String(p.euid) },
  user: { title: "USER", cell: user },
  c: { title: "C", cell: lifetimeCpu },
  stime: { title: "STIME", cell: startTime },
  tty: { title: "TT", cell: ttyCell },
  time: { title: "TIME", cell: cpuTime },
  etime: { title: "ELAPSED", cell: elapsed },
  rss: { title: "RSS", cell: (p) => String(p.rssKiB) },
  vsz: { title: "VSZ", cell: (p) => String(p.vszKiB) },
  comm: { title: "COMMAND", cell: (p) => printable(p.state === "Z" ? `${p.comm} <defunct>` : p.comm) },
  args: { title: "COMMAND", cell: command },
  cmd: { title: "CMD", cell: command },
};

/** `ps -ef`'s columns, docker top's default: UID PID PPID C STIME TTY TIME CMD. */
export const DEFAULT_PS_COLUMNS: readonly PsColumn[] = [
  { title: "UID", cell: user },
  PS_COLUMNS.pid!,
  PS_COLUMNS.ppid!,
  PS_COLUMNS.c!,
  PS_COLUMNS.stime!,
  { title: "TTY", cell: ttyCell },
  PS_COLUMNS.time!,
  PS_COLUMNS.cmd!,
];

/**
 * The columns `docker top`'s ps arguments ask for. Understood: none, `-ef`
 * (or `-e`, `-f`, `-fe`) for the default; `-o LIST` / `-oLIST` / `-eo LIST`
 * with LIST of {@link PS_COLUMNS} keys split by commas, each optionally
 * `key=TITLE`. Anything else throws INVALID_ARGUMENT naming what is known.
 */
export function parsePsArgs(args: readonly string[]): readonly PsColumn[] {
  const rest = args.filter((a) => !/^-[ef]+$/.test(a));
  if (rest.length === 0) return DEFAULT_PS_COLUMNS;
  const m = /^-e?o(.*)$/.exec(rest[0]!);
  const list = m === null ? undefined : m[1] !== "" ? m[1] : rest[1];
  const extra = m === null ? rest : rest.slice(m[1] !== "" ? 1 : 2);
  if (list === undefined || extra.length > 0) {
    throw new InvalidArgumentError(`ps options ${JSON.stringify(args.join(" "))}: berth reads /proc itself and understands only -ef and -o LIST`, {
      hint: `use -o with keys from: ${Object.keys(PS_COLUMNS).join(",")}`,
    });
  }
  const keys = list.split(",").filter((k) => k !== "");
  if (keys.length === 0) throw new InvalidArgumentError(`ps -o ${JSON.stringify(list)}: no column named`, { hint: `known: ${Object.keys(PS_COLUMNS).join(",")}` });
  return keys.map((spec) => {
    const [key = "", title] = spec.split("=", 2);
    const column = Object.hasOwn(PS_COLUMNS, key) ? PS_COLUMNS[key] : undefined;
    if (column === undefined) throw new InvalidArgumentError(`ps -o ${JSON.stringify(key)}: unknown column`, { hint: `known: ${Object.keys(PS_COLUMNS).join(",")}` });
    return title === undefined ? column : { title, cell: column.cell };
  });
}
