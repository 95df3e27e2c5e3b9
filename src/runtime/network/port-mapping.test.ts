import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isBerthError } from "../../oci/index.js";
import { formatPortMapping, parsePublish, publishAll, type PortMapping } from "./port-mapping.js";

const m = (hostIp: string, hostPort: number, containerPort: number, protocol: "tcp" | "udp" = "tcp", range = 1): PortMapping =>
  ({ hostIp, hostPort, containerPort, protocol, range });

describe("parsePublish", () => {
  const good: readonly { spec: string; want: PortMapping[] }[] = [
    { spec: "80", want: [m("", 0, 80)] },
    { spec: "8080:80", want: [m("", 8080, 80)] },
    { spec: "0:80", want: [m("", 0, 80)] },
    { spec: "127.0.0.1:8080:80", want: [m("127.0.0.1", 8080, 80)] },
    { spec: "127.0.0.1::80", want: [m("127.0.0.1", 0, 80)] },
    { spec: "0.0.0.0:8080:80", want: [m("", 8080, 80)] },
    { spec: "53/udp", want: [m("", 0, 53, "udp")] },
    { spec: "5353:53/udp", want: [m("", 5353, 53, "udp")] },
    { spec: "8080:80/tcp", want: [m("", 8080, 80)] },
    { spec: "8000-8001:80-81", want: [m("", 8000, 80, "tcp", 2)] },
    { spec: "127.0.0.1:8000-8002:80-82/udp", want: [m("127.0.0.1", 8000, 80, "udp", 3)] },
    { spec: "80-82", want: [m("", 0, 80), m("", 0, 81), m("", 0, 82)] },
    { spec: "65535:65535", want: [m("", 65535, 65535)] },
    // docker's host range for one port: the first free one of the range, picked at connect.
    { spec: "8000-8010:80", want: [{ ...m("", 8000, 80), hostPortEnd: 8010 }] },
    { spec: "127.0.0.1:5300-5301:53/udp", want: [{ ...m("127.0.0.1", 5300, 53, "udp"), hostPortEnd: 5301 }] },
  ];
  for (const c of good) it(c.spec, () => assert.deepEqual(parsePublish(c.spec), c.want));

  const bad: readonly { spec: string; expectErr: RegExp }[] = [
    { spec: "", expectErr: /not a port mapping/ },
    { spec: " 80", expectErr: /not a port mapping/ },
    { spec: "x".repeat(300), expectErr: /not a port mapping/ },
    { spec: ":", expectErr: /container port "" must be/ },
    { spec: "80:", expectErr: /container port "" must be/ },
    { spec: "0", expectErr: /container port "0"/ },
    { spec: "8080:0", expectErr: /container port "0"/ },
    { spec: "65536:80", expectErr: /host port "65536"/ },
    { spec: "-1:80", expectErr: /host port "-1"/ },
    { spec: "80-:80", expectErr: /host port "80-"/ },
    { spec: "81-80", expectErr: /container port "81-80"/ },
    { spec: "8000-8002:80-81", expectErr: /ranges differ in length/ },
    { spec: "8080:80-81", expectErr: /ranges differ in length/ },
    { spec: "8010-8000:80", expectErr: /host port "8010-8000"/ },
    { spec: "1-2000:80", expectErr: /more than 1024 ports/ },
    { spec: "1-2000", expectErr: /more than 1024 ports/ },
    { spec: "1.2.3:80:80", expectErr: /host address "1\.2\.3"/ },
    { spec: "999.1.1.1:80:80", expectErr: /host address "999\.1\.1\.1"/ },
    { spec: "localhost:80:80", expectErr: /host address "localhost"/ },
    { spec: "[::1]:80:80", expectErr: /IPv6 host addresses are not supported/ },
    { spec: "1:2:3:4", expectErr: /too many colons/ },
    { spec: "80/icmp", expectErr: /unknown protocol "icmp"/ },
    { spec: "80/sctp", expectErr: /unknown protocol "sctp"/ },
    { spec: "80/", expectErr: /unknown protocol ""/ },
    { spec: "80/tcp/udp", expectErr: /more than one protocol/ },
    { spec: "8o", expectErr: /container port "8o"/ },
  ];
  for (const c of bad) {
    it(`refuses ${JSON.stringify(c.spec.slice(0, 20))}`, () => {
      assert.throws(() => parsePublish(c.spec, "-p"), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT") && e.message.startsWith("-p ") && c.expectErr.test(e.message) && e.message.length < 400);
    });
  }

  it("formats a mapping back as docker prints it", () => {
    assert.equal(formatPortMapping(m("127.0.0.1", 8000, 80, "udp", 2)), "127.0.0.1:8000-8001:80-81/udp");
    assert.equal(formatPortMapping(m("", 8080, 80)), "8080:80/tcp");
    assert.equal(formatPortMapping({ ...m("", 8000, 80), hostPortEnd: 8010 }), "8000-8010:80/tcp");
  });
});

describe("publishAll", () => {
  it("publishes every exposed port on a free host port", () => {
    assert.deepEqual(publishAll({ "80/tcp": {}, "53/udp": {}, "53/tcp": {}, "8080": {}, "9000-9001/tcp": {} }), [
      m("", 0, 53), m("", 0, 53, "udp"), m("", 0, 80), m("", 0, 8080), m("", 0, 9000), m("", 0, 9001),
    ]);
    assert.deepEqual(publishAll({}), []);
  });

  for (const key of ["http", "80/xyz", "0/tcp", "80/tcp/x", "1-5000/tcp"]) {
    it(`refuses ExposedPorts key ${key}`, () => {
      assert.throws(() => publishAll({ [key]: {} }), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT") && e.message.includes("config.ExposedPorts"));
    });
  }
});
