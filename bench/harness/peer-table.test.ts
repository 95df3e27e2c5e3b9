import assert from "node:assert/strict";
import { test } from "node:test";
import { bestPeer, peerRatio, type PeerTableRow } from "./peer-table.js";

const row = (better: "lower" | "higher", berth: number | undefined, peers: (number | undefined)[]): PeerTableRow => ({
  label: "r", unit: "s", better, target: 1.25,
  berth: { name: "berth", value: berth },
  peers: peers.map((value, i) => ({ name: `p${i}`, value })),
});

test("bestPeer: the fastest for times, the highest for throughput, skipping peers that did not run", () => {
  assert.equal(bestPeer(row("lower", 1, [7, undefined, 5.5, 9]))?.name, "p2");
  assert.equal(bestPeer(row("higher", 1, [7, undefined, 5.5, 9]))?.name, "p3");
  assert.equal(bestPeer(row("lower", 1, [undefined, undefined])), undefined);
  assert.equal(bestPeer(row("lower", 1, [])), undefined);
});

test("peerRatio: > 1 when berth beats the best peer, against the best one only", () => {
  assert.equal(peerRatio(row("lower", 4, [10, 5])), 5 / 4);
  assert.equal(peerRatio(row("higher", 300, [100, 200])), 1.5);
  assert.equal(peerRatio(row("lower", undefined, [5])), undefined);
  assert.equal(peerRatio(row("lower", 4, [undefined])), undefined);
  assert.equal(peerRatio(row("lower", 0, [5])), undefined, "a zero time is not a result");
});
