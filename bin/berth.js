#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS BERTH_DEFERRED_EXTRA_CA_CERTS=${NODE_EXTRA_CA_CERTS} node --
// `node bin/berth.js`, as scripts and docs run berth from a checkout: the launcher is berth.cjs, the
// package's `berth` program (this way adds Node's ES module loader to the start: docs/cli-start.md).
import "./berth.cjs";
