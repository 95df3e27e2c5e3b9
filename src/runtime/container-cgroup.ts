import { findCgroup, readOomKilled } from "./cgroup/index.js";

/** The cgroup path runc is given for container `id` (linux.cgroupsPath). */
export const containerCgroupPath = (id: string): string => `/berth/${id}`;

/** Whether the kernel's OOM killer struck in container `id`'s cgroup (read before runc deletes it). */
export async function containerOomKilled(id: string): Promise<boolean> {
  const cg = await findCgroup(containerCgroupPath(id));
  return readOomKilled(cg);
}
