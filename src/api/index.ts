// The daemon and its API: what the CLI uses.
export { BerthDaemon, type BerthDaemonOptions } from "./berth-daemon.js";
export { DaemonClient, type StreamSinks } from "./daemon-client.js";
export { requestRun, type RunSocketRequest } from "./run-socket-client.js";
export { ensureDaemon, type DaemonLauncher } from "./ensure-daemon.js";
export { daemonPaths, type DaemonPaths } from "./daemon-paths.js";
export { readPidFile } from "./daemon-pid-file.js";
export { DaemonNotRunningError, DaemonRunningError, DaemonUnavailableError, isMissingRoute } from "./daemon-errors.js";
export { systemdUnit } from "./systemd-unit.js";
export { fromWireError, type WireError, type StreamLine } from "./api-wire.js";
export { FRAME_MESSAGE, FRAME_STDERR, FRAME_STDOUT, type Frame, type RunMessage } from "./frame-stream.js";
export { parseRunRequest, type RunRequest } from "./api-requests.js";
export type { AnnouncedRun, Announcement, AnnouncementReader } from "./run-announcements.js";
