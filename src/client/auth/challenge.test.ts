import { it } from "node:test";
import assert from "node:assert/strict";
import { parseChallenges, type Challenge } from "./challenge.js";

const cases: { name: string; header: string | string[]; want: Challenge[] }[] = [
  {
    name: "Docker Hub's bearer challenge",
    header: 'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"',
    want: [{ scheme: "bearer", params: { realm: "https://auth.docker.io/token", service: "registry.docker.io", scope: "repository:library/nginx:pull" } }],
  },
  { name: "Basic", header: 'Basic realm="berth-registry"', want: [{ scheme: "basic", params: { realm: "berth-registry" } }] },
  {
    name: "two challenges in one header",
    header: 'Basic realm="a", Bearer realm="https://t/token",service="s"',
    want: [{ scheme: "basic", params: { realm: "a" } }, { scheme: "bearer", params: { realm: "https://t/token", service: "s" } }],
  },
  {
    name: "challenges in two headers",
    header: ['Basic realm="a"', 'Bearer realm="b"'],
    want: [{ scheme: "basic", params: { realm: "a" } }, { scheme: "bearer", params: { realm: "b" } }],
  },
  {
    name: "scheme and parameter names in any case, spaces around '=', unquoted values",
    header: 'BEARER Realm = "r" , Service=svc',
    want: [{ scheme: "bearer", params: { realm: "r", service: "svc" } }],
  },
  {
    name: "commas and escaped quotes inside a quoted string",
    header: 'Bearer realm="https://t/token",scope="repository:a:pull,push repository:b:pull",error="say \\"hi\\""',
    want: [{ scheme: "bearer", params: { realm: "https://t/token", scope: "repository:a:pull,push repository:b:pull", error: 'say "hi"' } }],
  },
  {
    name: "insufficient_scope",
    header: 'Bearer realm="r",service="s",scope="repository:a:push",error="insufficient_scope"',
    want: [{ scheme: "bearer", params: { realm: "r", service: "s", scope: "repository:a:push", error: "insufficient_scope" } }],
  },
  { name: "a token68 challenge", header: "Negotiate abc+/==", want: [{ scheme: "negotiate", params: {}, token68: "abc+/==" }] },
  { name: "a scheme alone", header: "Basic", want: [{ scheme: "basic", params: {} }] },
  { name: "the first of a repeated parameter wins", header: 'Bearer realm="first",realm="second"', want: [{ scheme: "bearer", params: { realm: "first" } }] },
  { name: "empty", header: "", want: [] },
  { name: "an unterminated quote keeps what came before", header: 'Basic realm="a", Bearer realm="unterminated', want: [{ scheme: "basic", params: { realm: "a" } }, { scheme: "bearer", params: {} }] },
  { name: "garbage", header: '=== "', want: [] },
];

for (const c of cases) {
  it(`parseChallenges: ${c.name}`, () => {
    assert.deepEqual(parseChallenges(c.header), c.want);
  });
}

it("parseChallenges: a huge header is cut, not parsed for ever", () => {
  const header = `Bearer ${Array.from({ length: 50_000 }, (_, i) => `p${i}="v"`).join(",")}`;
  const started = Date.now();
  const [c] = parseChallenges(header);
  assert.ok(Date.now() - started < 1000);
  assert.equal(c?.scheme, "bearer");
  assert.ok(Object.keys(c?.params ?? {}).length < 2000);
});
