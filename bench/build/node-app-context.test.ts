import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { hostCaFile, MARK_FILE, NODE_FIXTURE_DIR, nodeDockerfile, withMark } from "./node-app-context.js";

const SOURCE = '// comment\nexport const BUILD_MARK = "fixture";\nexport const other = 1;\n';

const markCases: { name: string; source: string; mark: string; want?: string; expectErr?: RegExp }[] = [
  { name: "sets the one line", source: SOURCE, mark: "round1-warm", want: '// comment\nexport const BUILD_MARK = "round1-warm";\nexport const other = 1;\n' },
  { name: "a quote would break out of the literal", source: SOURCE, mark: 'x"; process.exit(1); "', expectErr: /build mark .* use 1 to 64/ },
  { name: "a newline would add a line", source: SOURCE, mark: "a\nb", expectErr: /use 1 to 64/ },
  { name: "empty mark", source: SOURCE, mark: "", expectErr: /use 1 to 64/ },
  { name: "no mark line", source: "export const x = 1;\n", mark: "m", expectErr: /found 0/ },
  { name: "two mark lines", source: `${SOURCE}${SOURCE}`, mark: "m", expectErr: /found 2/ },
  { name: "an indented look-alike does not count", source: '  export const BUILD_MARK = "x";\n', mark: "m", expectErr: /found 0/ },
];

for (const c of markCases) {
  test(`withMark: ${c.name}`, () => {
    if (c.expectErr) assert.throws(() => withMark(c.source, c.mark), c.expectErr);
    else assert.equal(withMark(c.source, c.mark), c.want);
  });
}

test("withMark: the committed fixture has exactly one mark line", async () => {
  const text = await readFile(join(NODE_FIXTURE_DIR, MARK_FILE), "utf8");
  assert.match(withMark(text, "t"), /BUILD_MARK = "t";/);
});

test("nodeDockerfile: with a CA only the deps stage sees it, and the final stage copies only node_modules from there", () => {
  const text = nodeDockerfile("base:1", true);
  const [deps, final] = text.split(/\n(?=FROM )/);
  assert.match(deps!, /^FROM base:1 AS deps\n/);
  assert.match(deps!, /COPY build-ca\.pem \/tmp\/build-ca\.pem/);
  assert.match(deps!, /RUN NODE_EXTRA_CA_CERTS=\/tmp\/build-ca\.pem npm ci --omit=dev/);
  assert.match(deps!, /ARG NPM_CONFIG_REGISTRY/);
  assert.doesNotMatch(final!, /ca\.pem|NODE_EXTRA_CA_CERTS|ARG/);
  assert.match(final!, /COPY --from=deps \/app\/node_modules \.\/node_modules\nCOPY app\/ \.\/\n/);
  assert.match(final!, /USER 65532:65532\nEXPOSE 3000\nCMD \["node", "server.js"\]\n$/);
  // Cache-friendly order: manifests and npm ci before the sources.
  assert.ok(text.indexOf("COPY app/package*.json") < text.indexOf("npm ci") && text.indexOf("npm ci") < text.indexOf("COPY app/ ./"));
});

test("nodeDockerfile: without a CA there is no CA line at all", () => {
  const text = nodeDockerfile("base:1", false);
  assert.doesNotMatch(text, /ca\.pem|NODE_EXTRA_CA_CERTS/);
  assert.match(text, /RUN npm ci --omit=dev --no-audit --no-fund\n/);
});

test("hostCaFile: NODE_EXTRA_CA_CERTS first, then SSL_CERT_FILE, empty values ignored", () => {
  assert.equal(hostCaFile({ NODE_EXTRA_CA_CERTS: "/a.pem", SSL_CERT_FILE: "/b.pem" }), "/a.pem");
  assert.equal(hostCaFile({ NODE_EXTRA_CA_CERTS: "", SSL_CERT_FILE: "/b.pem" }), "/b.pem");
  assert.equal(hostCaFile({}), undefined);
});
