// cgroup readers of the runtime: stats, OOM, top. The lead re-exports these from src/runtime/index.ts.
export { findCgroup, cleanCgroupsPath, V1_CONTROLLERS, type Cgroup, type CgroupV1, type CgroupV2, type V1Controller, type FindCgroupOptions } from "./find-cgroup.js";
export { parseCgroupMounts, parseOwnCgroups, type CgroupMount, type OwnCgroup } from "./cgroup-mounts.js";
export { readCgroupStats, NOT_RUNNING_STATS, parseBlkioServiceBytes, parseIoStat, type CgroupStats, type ReadStatsOptions } from "./read-cgroup-stats.js";
export { systemCpuNs, parseSystemCpu, cpuPercent, CLOCK_TICKS_PER_SECOND, type SystemCpu, type CpuSample } from "./cpu-percent.js";
export { readNetDev, parseNetDev, type NetTotals } from "./net-dev.js";
export { readOomKilled } from "./read-oom-killed.js";
export { formatStatsRow, STATS_COLUMNS, type StatsRow, type StatsRowCounters } from "./format-stats-row.js";
export { bytesSize, humanSizeWithPrecision } from "./go-units.js";
export { formatGoFloat } from "./go-float.js";
export { listProcesses, type ProcessTable, type ListProcessesOptions } from "./list-processes.js";
export { parsePsArgs, ttyName, PS_COLUMNS, DEFAULT_PS_COLUMNS, type PsColumn, type PsContext } from "./ps-columns.js";
export { readProcProcess, parsePidStat, parsePidStatus, type ProcProcess } from "./proc-process.js";
export { CgroupNotFoundError, CgroupFormatError, CgroupUnavailableError, ContainerNotRunningError } from "./errors.js";
