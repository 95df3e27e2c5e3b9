import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse as parseYaml } from "yaml";
import { isBerthError } from "../../oci/index.js";
import { parseAuthConfig } from "./auth-config.js";

interface ConfigCase {
  readonly name: string;
  readonly yaml: string;
  readonly want?: unknown;
  readonly expectErr?: RegExp;
}

const cases: readonly ConfigCase[] = [
  {
    name: "htpasswd only gets defaults",
    yaml: "htpasswd: /etc/berth/htpasswd",
    want: { htpasswd: "/etc/berth/htpasswd", anonymous: "none", access: [] },
  },
  {
    name: "empty token section means token auth with defaults",
    yaml: "htpasswd: /h\ntoken:",
    want: {
      htpasswd: "/h",
      token: { service: "berth-registry", issuer: "berth", expiration: 300 },
      anonymous: "none",
      access: [],
    },
  },
  {
    name: "full example",
    yaml: `
htpasswd: /h
token:
  realm: https://reg.example:5000/token
  service: svc
  issuer: iss
  key: /k.pem
  expiration: 600
anonymous: pull
access:
  - repository: "team-a/*"
    users: [alice, bob]
    actions: [pull, push]
`,
    want: {
      htpasswd: "/h",
      token: { realm: "https://reg.example:5000/token", service: "svc", issuer: "iss", key: "/k.pem", expiration: 600 },
      anonymous: "pull",
      access: [{ repository: "team-a/*", users: ["alice", "bob"], actions: ["pull", "push"] }],
    },
  },
  { name: "no mechanism", yaml: "anonymous: pull", expectErr: /^registry config: auth: set htpasswd/ },
  { name: "bad action names its index", yaml: "htpasswd: /h\naccess:\n  - {repository: a, users: [x], actions: [pull, write]}", expectErr: /auth\.access\[0\]\.actions\[1\]: / },
  { name: "empty users", yaml: "htpasswd: /h\naccess:\n  - {repository: a, users: [], actions: [pull]}", expectErr: /auth\.access\[0\]\.users: must name at least one user/ },
  { name: "bad glob", yaml: "htpasswd: /h\naccess:\n  - {repository: 'Team/A', users: ['*'], actions: ['*']}", expectErr: /auth\.access\[0\]\.repository: must be a repository name or glob/ },
  { name: "unknown key", yaml: "htpasswd: /h\nusers: x", expectErr: /auth: Unrecognized key: "users"/ },
  { name: "anonymous push is not a thing", yaml: "htpasswd: /h\nanonymous: push", expectErr: /auth\.anonymous: / },
  { name: "short expiration", yaml: "token: {expiration: 10}", expectErr: /auth\.token\.expiration: / },
  { name: "realm must be a URL", yaml: "token: {realm: 'not a url'}", expectErr: /auth\.token\.realm: must be an http\(s\) URL/ },
];

describe("parseAuthConfig", () => {
  for (const c of cases) {
    it(c.name, () => {
      const value: unknown = parseYaml(c.yaml);
      if (c.expectErr) {
        assert.throws(() => parseAuthConfig(value), (e: unknown) => {
          assert.ok(isBerthError(e, "INVALID_ARGUMENT"), String(e));
          assert.match(e.message, c.expectErr!);
          return true;
        });
        return;
      }
      assert.deepEqual(parseAuthConfig(value), c.want);
    });
  }
});
