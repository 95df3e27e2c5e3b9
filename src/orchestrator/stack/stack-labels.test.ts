import assert from "node:assert/strict";
import { it } from "node:test";
import { readReplicaIdentity, replicaLabels } from "./stack-labels.js";

it("readReplicaIdentity reads back replicaLabels, and nothing from labels that do not make a replica", () => {
  const id = { project: "shop", service: "web", number: 3, configHash: "abc" };
  assert.deepEqual(readReplicaIdentity(replicaLabels(id)), id);
  const bad: (Record<string, string> | undefined)[] = [
    undefined, {}, { "com.docker.compose.project": "shop" },
    { "com.docker.compose.project": "shop", "com.docker.compose.service": "web", "com.docker.compose.container-number": "0" },
    { "com.docker.compose.project": "shop", "com.docker.compose.service": "web", "com.docker.compose.container-number": "1.5" },
    { "com.docker.compose.project": "shop", "com.docker.compose.service": "", "com.docker.compose.container-number": "1" },
    { "com.docker.compose.project": "shop", "com.docker.compose.service": "web", "com.docker.compose.container-number": "x" },
  ];
  for (const labels of bad) assert.equal(readReplicaIdentity(labels), undefined, JSON.stringify(labels));
});
