#!/usr/bin/env node
// Thin launcher: the CLI lives in the compiled library.
import { main } from "../dist/src/cli/main.js";

process.exitCode = await main(process.argv.slice(2));
