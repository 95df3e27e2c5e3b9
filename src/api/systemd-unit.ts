/**
 * The unit `berth daemon --install` writes. KillMode=process: systemd stops
 * only the daemon, never the containers' monitors it started (they are in
 * its cgroup when it runs under systemd, and containers outlive the daemon).
 */
export function systemdUnit(opts: { readonly command: string; readonly args: readonly string[] }): string {
  const quote = (a: string): string => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `"${a.replace(/(["\\])/g, "\\$1")}"`);
  return [
    "[Unit]",
    "Description=berth daemon: keeps compose stacks running",
    "After=network-online.target",
    "Wants=network-online.target",
    "",
    "[Service]",
    "Type=simple",
    `ExecStart=${[opts.command, ...opts.args].map(quote).join(" ")}`,
    "KillMode=process",
    "Restart=on-failure",
    "RestartSec=2",
    "Delegate=yes",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}
