import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { inspectContainer, type InspectSources } from "./container-inspect.js";
import type { ContainerRecord } from "./container-record.js";
import type { ContainerOptions } from "./container-options.js";

const DIR = "/var/lib/berth/containers/c0";
const record = (options: ContainerOptions): ContainerRecord => ({
  id: "c0".padEnd(64, "0"), name: "web", image: "busybox", imageId: "sha256:x", imageConfig: { Cmd: ["sh"] },
  lowerDirs: ["/l/2", "/l/1"], created: "2024-01-01T00:00:00Z", options,
});
const sources = (options: ContainerOptions, extra: Partial<InspectSources> = {}): InspectSources => ({
  record: record(options), state: { status: "exited", restartCount: 0 }, logPath: `${DIR}/ctr.log`, dir: DIR, networks: {}, ...extra,
});
const ASKED = { hostIp: "", hostPort: 0, containerPort: 80, protocol: "tcp", range: 1 } as const;

describe("inspectContainer", () => {
  it("PortBindings is what was asked; Ports what the run got, and {} unless running, as docker's", () => {
    const stopped = inspectContainer(sources({ publish: [ASKED] }));
    assert.deepEqual(stopped.HostConfig["PortBindings"], { "80/tcp": [{ HostIp: "", HostPort: "" }] });
    assert.deepEqual(stopped.NetworkSettings["Ports"], {});
    const running = inspectContainer(sources({ publish: [ASKED] }, {
      state: { status: "running", restartCount: 0 }, livePorts: [{ ...ASKED, hostPort: 32768 }],
    }));
    assert.deepEqual(running.NetworkSettings["Ports"], { "80/tcp": [{ HostIp: "0.0.0.0", HostPort: "32768" }] });
  });

  it("lists nobody set are null, as docker's; the fixed values berth has are there", () => {
    const c = inspectContainer(sources({ capAdd: [], capDrop: [] }));
    for (const key of ["Binds", "CapAdd", "CapDrop", "SecurityOpt", "ExtraHosts"]) assert.equal(c.HostConfig[key], null, key);
    assert.deepEqual(
      [c.HostConfig["Privileged"], c.HostConfig["ShmSize"], c.HostConfig["CpuShares"], c.HostConfig["Dns"], c.HostConfig["LogConfig"]],
      [false, 67108864, 0, [], { Type: "k8s-file", Config: {} }],
    );
    assert.deepEqual([c.ExecIDs, c.AppArmorProfile], [null, ""]);
    assert.deepEqual(inspectContainer(sources({ capAdd: ["CAP_NET_ADMIN"] })).HostConfig["CapAdd"], ["CAP_NET_ADMIN"]);
  });

  it("names berth's /etc files and overlay dirs in the container's directory", () => {
    const c = inspectContainer(sources({}));
    assert.deepEqual([c.ResolvConfPath, c.HostnamePath, c.HostsPath], [`${DIR}/resolv.conf`, `${DIR}/hostname`, `${DIR}/hosts`]);
    assert.deepEqual(c.GraphDriver, {
      Name: "overlay", Data: { LowerDir: "/l/2:/l/1", UpperDir: `${DIR}/upper`, WorkDir: `${DIR}/work`, MergedDir: `${DIR}/rootfs` },
    });
  });

  it("Mounts has binds and volumes, not --tmpfs (docker lists those in HostConfig.Tmpfs only)", () => {
    const c = inspectContainer(sources({ tmpfs: [{ destination: "/run", options: [] }], binds: [{ source: "/srv", destination: "/srv", readOnly: true }] }));
    assert.deepEqual(c.Mounts.map((m) => (m as { Destination: string }).Destination), ["/srv"]);
    assert.deepEqual(c.HostConfig["Tmpfs"], { "/run": "" });
  });

  it("NetworkSettings' top-level fields are the first network with an address", () => {
    const c = inspectContainer(sources({}, {
      networks: { n1: { NetworkID: "i", IPAddress: "10.252.1.2", IPPrefixLen: 24, Gateway: "10.252.1.1", MacAddress: "aa:bb:cc:dd:ee:ff", Aliases: null } },
    }));
    const n = c.NetworkSettings;
    assert.deepEqual([n["IPAddress"], n["IPPrefixLen"], n["Gateway"], n["MacAddress"]], ["10.252.1.2", 24, "10.252.1.1", "aa:bb:cc:dd:ee:ff"]);
  });
});
