import { it } from "node:test";
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

// ARCHITECTURE.md: a layer imports only from layers before it. Siblings
// (client, registry) never import each other. Checked on the sources.
const ORDER: Record<string, number> = {
  oci: 0, content: 1, client: 2, registry: 2, image: 3, runtime: 4, build: 5,
  orchestrator: 6, backends: 7, ml: 8, api: 9, cli: 10,
};

const SRC = fileURLToPath(new URL("../../src/", import.meta.url));

async function* sources(dir: string): AsyncIterable<string> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* sources(p);
    else if (e.name.endsWith(".ts")) yield p;
  }
}

it("no layer imports a higher layer or a sibling", async () => {
  const violations: string[] = [];
  for await (const file of sources(SRC)) {
    const rel = relative(SRC, file).split(sep);
    const layer = rel[0]!;
    if (rel.length === 1 || ORDER[layer] === undefined) continue;
    const text = await readFile(file, "utf8");
    for (const m of text.matchAll(/from\s+"(\.\.\/[^"]+)"/g)) {
      const target = relative(SRC, join(file, "..", m[1]!)).split(sep)[0]!;
      if (target === layer || ORDER[target] === undefined) continue;
      if (ORDER[target]! >= ORDER[layer]!) violations.push(`${relative(SRC, file)} imports ${target} (${m[1]})`);
    }
  }
  assert.deepEqual(violations, []);
});

it("imports between layers go through the layer's index.ts", async () => {
  const violations: string[] = [];
  for await (const file of sources(SRC)) {
    const rel = relative(SRC, file).split(sep);
    const layer = rel[0]!;
    if (rel.length === 1) continue;
    const text = await readFile(file, "utf8");
    for (const m of text.matchAll(/from\s+"(\.\.\/[^"]+)"/g)) {
      const parts = relative(SRC, join(file, "..", m[1]!)).split(sep);
      if (parts[0] === layer || ORDER[parts[0]!] === undefined) continue;
      if (parts.length !== 2 || parts[1] !== "index.js") violations.push(`${relative(SRC, file)}: ${m[1]}`);
    }
  }
  assert.deepEqual(violations, []);
});
