// Container logs: what the runtime layer re-exports (the lead wires src/runtime/index.ts and the CLI).
export { readContainerLogs, type ContainerLogsOptions } from "./read-container-logs.js";
export type { LogWritables } from "./log-output.js";
export { parseLogTime } from "./parse-log-time.js";
export { parseLogEntry, type LogEntry, type LogStream } from "./log-entry.js";
export type { LogLine } from "./line-assembler.js";
export { formatLogTime } from "./rfc3339.js";
export { LogFileNotFoundError, InvalidLogTimeError } from "./errors.js";
export { ChangeWaiter } from "./change-waiter.js";
