import { it } from "node:test";
import assert from "node:assert/strict";
import { isBerthError } from "../oci/index.js";
import { isInsecureAllowed, isLoopbackHost, registryEndpoint } from "./registry-endpoint.js";

const cases: { host: string; insecure?: string[]; want: string }[] = [
  { host: "docker.io", want: "https://registry-1.docker.io" },
  { host: "index.docker.io", want: "https://registry-1.docker.io" },
  { host: "ghcr.io", want: "https://ghcr.io" },
  { host: "registry.example:5000", want: "https://registry.example:5000" },
  { host: "localhost:5000", want: "http://localhost:5000" },
  { host: "127.0.0.1:5000", want: "http://127.0.0.1:5000" },
  { host: "127.1.2.3", want: "http://127.1.2.3" },
  { host: "[::1]:5000", want: "http://[::1]:5000" },
  { host: "registry.lan:5000", insecure: ["registry.lan:5000"], want: "http://registry.lan:5000" },
  { host: "registry.lan:5001", insecure: ["registry.lan"], want: "http://registry.lan:5001" },
  { host: "registry.lan:5001", insecure: ["registry.lan:5000"], want: "https://registry.lan:5001" },
  { host: "Registry.Example", want: "https://registry.example" },
];
for (const c of cases) {
  it(`registryEndpoint ${c.host}${c.insecure ? ` (insecure ${c.insecure.join(",")})` : ""} → ${c.want}`, () => {
    const e = registryEndpoint(c.host, { ...(c.insecure && { insecureRegistries: c.insecure }) });
    assert.equal(e.baseUrl.origin, c.want);
    assert.equal(e.isInsecure, c.want.startsWith("http:"));
  });
}

for (const bad of ["", "http://r.example", "r.example/path", "user@r.example", "r.example?x", "r example", "r.example#f", "r.example:99999"]) {
  it(`registryEndpoint refuses "${bad}"`, () => {
    assert.throws(() => registryEndpoint(bad), (e: unknown) => isBerthError(e, "INVALID_ARGUMENT"));
  });
}

it("isLoopbackHost and isInsecureAllowed", () => {
  assert.ok(isLoopbackHost("localhost") && isLoopbackHost("127.0.0.1") && isLoopbackHost("[::1]") && isLoopbackHost("a.localhost"));
  assert.ok(!isLoopbackHost("127.example.com") && !isLoopbackHost("10.0.0.1"));
  assert.ok(isInsecureAllowed(new URL("https://anything.example/token"), []));
  assert.ok(isInsecureAllowed(new URL("http://127.0.0.1:9/token"), []));
  assert.ok(!isInsecureAllowed(new URL("http://auth.example/token"), []));
  assert.ok(isInsecureAllowed(new URL("http://auth.example/token"), ["auth.example"]));
});
