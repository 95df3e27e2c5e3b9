import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { digestOf } from "./digest.js";
import { isBerthError } from "./errors.js";
import { configPlatform, parseImageConfig, type ImageConfig } from "./image-config.js";

const DIFF_ID_0 = digestOf("layer 0, uncompressed");
const DIFF_ID_1 = digestOf("layer 1, uncompressed");

const minimal = (fields: Record<string, unknown> = {}): Record<string, unknown> =>
  ({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [DIFF_ID_0] }, ...fields });

const withConfig = (config: Record<string, unknown>): Record<string, unknown> => minimal({ config });

// The shape `docker build` writes: nulls for unset fields, container_config and docker_version extensions.
const DOCKER_CONFIG = {
  architecture: "amd64",
  config: {
    Hostname: "", Domainname: "", User: "", AttachStdin: false, Tty: false,
    Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
    Cmd: ["sh"], Image: "sha256:abc", Volumes: null, WorkingDir: "", Entrypoint: null, OnBuild: null, Labels: null,
    Healthcheck: { Test: ["CMD-SHELL", "wget -q -O- localhost || exit 1"], Interval: 30_000_000_000, Retries: 3 },
  },
  container: "3e6c3f1f0d84",
  container_config: { Cmd: ["/bin/sh", "-c", "#(nop) ", 'CMD ["sh"]'], Entrypoint: null },
  created: "2024-09-26T21:31:42.211224157Z",
  docker_version: "23.0.11",
  history: [
    { created: "2024-09-26T21:31:42.001011221Z", created_by: "/bin/sh -c #(nop) ADD file:bb0d in / " },
    { created: "2024-09-26T21:31:42.211224157Z", created_by: '/bin/sh -c #(nop)  CMD ["sh"]', empty_layer: true },
  ],
  os: "linux",
  rootfs: { type: "layers", diff_ids: [DIFF_ID_0] },
};

// image-spec config.md's example, trimmed.
const OCI_EXAMPLE = {
  created: "2015-10-31T22:22:56.015925234Z",
  author: "Alyssa P. Hacker <alyspdev@example.com>",
  architecture: "amd64",
  os: "linux",
  config: {
    User: "alice",
    ExposedPorts: { "8080/tcp": {} },
    Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "FOO=oci_is_a", "BAR=well_written_spec"],
    Entrypoint: ["/bin/my-app-binary"],
    Cmd: ["--foreground", "--config", "/etc/my-app.d/default.cfg"],
    Volumes: { "/var/job-result-data": {}, "/var/log/my-app-logs": {} },
    WorkingDir: "/home/alice",
    Labels: { "com.example.project.git.url": "https://example.com/project.git" },
    StopSignal: "SIGKILL",
  },
  rootfs: { diff_ids: [DIFF_ID_0, DIFF_ID_1], type: "layers" },
  history: [{ created: "2015-10-31T22:22:54.690851953Z", created_by: "/bin/sh -c #(nop) ADD file:a3bc1e in /" }],
};

interface ConfigCase {
  readonly name: string;
  /** A value to JSON-encode, or JSON text. */
  readonly body: unknown;
  /** Checks on the parsed config. */
  readonly check?: (cfg: ImageConfig) => void;
  readonly expectErr?: RegExp;
}

const cases: readonly ConfigCase[] = [
  { name: "minimal", body: minimal(), check: (c) => assert.deepEqual(c.rootfs, { type: "layers", diff_ids: [DIFF_ID_0] }) },
  {
    name: "image-spec example",
    body: OCI_EXAMPLE,
    check: (c) => {
      assert.equal(c.config?.User, "alice");
      assert.deepEqual(c.config?.ExposedPorts, { "8080/tcp": {} });
      assert.equal(c.rootfs.diff_ids.length, 2);
      assert.equal(c.history?.length, 1);
    },
  },
  {
    name: "docker build output: nulls dropped, extensions kept",
    body: DOCKER_CONFIG,
    check: (c) => {
      assert.equal("Entrypoint" in (c.config ?? {}), false);
      assert.equal("Volumes" in (c.config ?? {}), false);
      assert.deepEqual(c.config?.Cmd, ["sh"]);
      assert.equal(c.config?.Healthcheck?.Retries, 3);
      assert.equal(c.docker_version, "23.0.11");
      assert.deepEqual(c.container_config, DOCKER_CONFIG.container_config);
      assert.equal(c.history?.[1]?.empty_layer, true);
    },
  },
  { name: "config null", body: minimal({ config: null }), check: (c) => assert.equal("config" in c, false) },
  { name: "no layers: Docker omits the empty diff_ids", body: minimal({ rootfs: { type: "layers" } }), check: (c) => assert.deepEqual(c.rootfs.diff_ids, []) },
  { name: "empty diff_ids", body: minimal({ rootfs: { type: "layers", diff_ids: [] } }), check: (c) => assert.deepEqual(c.rootfs.diff_ids, []) },
  {
    name: "windows with os.version and os.features",
    body: minimal({ os: "windows", "os.version": "10.0.20348.2113", "os.features": ["win32k"], config: { ArgsEscaped: true, Shell: ["cmd", "/S", "/C"] } }),
    check: (c) => assert.deepEqual(configPlatform(c), { os: "windows", architecture: "amd64", "os.version": "10.0.20348.2113", "os.features": ["win32k"] }),
  },
  {
    name: "exposed ports: tcp, udp, sctp, bare and ranges",
    body: withConfig({ ExposedPorts: { "80/tcp": {}, "53/udp": {}, "9/sctp": {}, "8080": {}, "7000-7010/tcp": {} } }),
    check: (c) => assert.equal(Object.keys(c.config?.ExposedPorts ?? {}).length, 5),
  },
  { name: "Env values may hold = and be empty", body: withConfig({ Env: ["A=b=c", "EMPTY="] }), check: (c) => assert.deepEqual(c.config?.Env, ["A=b=c", "EMPTY="]) },
  { name: "Cmd as a lone string, as Docker's strslice takes it", body: withConfig({ Cmd: "/bin/sh" }), check: (c) => assert.deepEqual(c.config?.Cmd, ["/bin/sh"]) },
  { name: "created with an offset and no fraction", body: minimal({ created: "2024-02-29T23:59:60+05:30" }) },
  { name: "created at Go's zero time", body: minimal({ created: "0001-01-01T00:00:00Z" }) },

  { name: "not JSON", body: "{", expectErr: /^config: not valid JSON/ },
  { name: "a JSON array", body: "[]", expectErr: /^config: must be a JSON object, got an array/ },
  { name: "architecture missing", body: minimal({ architecture: undefined }), expectErr: /^config\.architecture: is required/ },
  { name: "os a number", body: minimal({ os: 1 }), expectErr: /^config\.os: must be a string, got 1/ },
  { name: "rootfs missing", body: minimal({ rootfs: undefined }), expectErr: /^config\.rootfs: is required/ },
  { name: "rootfs.type not layers", body: minimal({ rootfs: { type: "layer", diff_ids: [] } }), expectErr: /^config\.rootfs\.type: must be "layers", got "layer"/ },
  { name: "diff_ids an object", body: minimal({ rootfs: { type: "layers", diff_ids: {} } }), expectErr: /^config\.rootfs\.diff_ids: must be an array of digests, got an object/ },
  { name: "diff_ids[1] not a digest", body: minimal({ rootfs: { type: "layers", diff_ids: [DIFF_ID_0, "sha256:0"] } }), expectErr: /^config\.rootfs\.diff_ids\[1\]: sha256 digest must be 64/ },
  { name: "created not RFC 3339", body: minimal({ created: "yesterday" }), expectErr: /^config\.created: must be an RFC 3339 date-time, got "yesterday"/ },
  { name: "created on February 30", body: minimal({ created: "2024-02-30T00:00:00Z" }), expectErr: /^config\.created: must be an RFC 3339/ },
  { name: "created without a zone", body: minimal({ created: "2024-02-01T00:00:00" }), expectErr: /^config\.created: must be an RFC 3339/ },
  { name: "os.features a string", body: minimal({ "os.features": "win32k" }), expectErr: /^config\["os\.features"\]: must be an array of strings/ },
  { name: "config an array", body: minimal({ config: [] }), expectErr: /^config\.config: must be an object, got an array/ },
  { name: "Env entry without =", body: withConfig({ Env: ["PATH=/bin", "DEBUG"] }), expectErr: /^config\.config\.Env\[1\]: must be "NAME=value", got "DEBUG"/ },
  { name: "Env entry without a name", body: withConfig({ Env: ["=x"] }), expectErr: /^config\.config\.Env\[0\]: must be "NAME=value"/ },
  { name: "Env entry a number", body: withConfig({ Env: [1] }), expectErr: /^config\.config\.Env\[0\]: must be a string, got 1/ },
  { name: "exposed port by name", body: withConfig({ ExposedPorts: { "http/tcp": {} } }), expectErr: /^config\.config\.ExposedPorts\["http\/tcp"\]: must be "port\/tcp", "port\/udp" or "port"/ },
  { name: "exposed port past 65535", body: withConfig({ ExposedPorts: { "70000/tcp": {} } }), expectErr: /^config\.config\.ExposedPorts\["70000\/tcp"\]/ },
  { name: "exposed port of an unknown protocol", body: withConfig({ ExposedPorts: { "80/http": {} } }), expectErr: /^config\.config\.ExposedPorts\["80\/http"\]/ },
  { name: "exposed port value not {}", body: withConfig({ ExposedPorts: { "80/tcp": true } }), expectErr: /^config\.config\.ExposedPorts\["80\/tcp"\]: must be an object, got true/ },
  { name: "Volumes an array", body: withConfig({ Volumes: ["/data"] }), expectErr: /^config\.config\.Volumes: must be an object, got an array/ },
  { name: "Labels value a number", body: withConfig({ Labels: { version: 2 } }), expectErr: /^config\.config\.Labels\["version"\]: must be a string, got 2/ },
  { name: "Entrypoint an object", body: withConfig({ Entrypoint: { 0: "sh" } }), expectErr: /^config\.config\.Entrypoint: must be an array of strings, got an object/ },
  { name: "ArgsEscaped a string", body: withConfig({ ArgsEscaped: "true" }), expectErr: /^config\.config\.ArgsEscaped: must be true or false, got "true"/ },
  { name: "Healthcheck with a negative interval", body: withConfig({ Healthcheck: { Test: ["NONE"], Interval: -1 } }), expectErr: /^config\.config\.Healthcheck\.Interval: must be at least 0, got -1/ },
  { name: "history an object", body: minimal({ history: {} }), expectErr: /^config\.history: must be an array, got an object/ },
  { name: "history[1].created not a date", body: minimal({ history: [{}, { created: "2024" }] }), expectErr: /^config\.history\[1\]\.created: must be an RFC 3339 date-time, got "2024"/ },
  { name: "history[0].empty_layer a string", body: minimal({ history: [{ empty_layer: "yes" }] }), expectErr: /^config\.history\[0\]\.empty_layer: must be true or false/ },
];

const encode = (body: unknown): Uint8Array => new TextEncoder().encode(typeof body === "string" ? body : JSON.stringify(body));

describe("parseImageConfig", () => {
  for (const c of cases) {
    it(c.name, () => {
      if (c.expectErr) {
        assert.throws(() => parseImageConfig(encode(c.body)), (e: unknown) => {
          assert.ok(isBerthError(e, "INVALID_ARGUMENT"), `want an INVALID_ARGUMENT BerthError, got ${String(e)}`);
          assert.match(e.message, c.expectErr as RegExp);
          return true;
        });
        return;
      }
      c.check?.(parseImageConfig(encode(c.body)));
    });
  }
});

describe("configPlatform", () => {
  const cases: readonly { readonly name: string; readonly body: Record<string, unknown>; readonly want: unknown }[] = [
    { name: "os and architecture only", body: minimal(), want: { os: "linux", architecture: "amd64" } },
    { name: "with variant", body: minimal({ architecture: "arm", variant: "v7" }), want: { os: "linux", architecture: "arm", variant: "v7" } },
    { name: "null variant is no variant", body: minimal({ architecture: "arm64", variant: null }), want: { os: "linux", architecture: "arm64" } },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(configPlatform(parseImageConfig(encode(c.body))), c.want));
  }
});
