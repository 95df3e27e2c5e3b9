import { ContainerRuntime } from "../../runtime/index.js";
import type { GlobalOptions } from "../main.js";
import { imageStore } from "./image-commands.js";

/** The containers of the root the global options name. */
export const runtimeOf = (globals: () => GlobalOptions): ContainerRuntime => new ContainerRuntime(imageStore(globals()));

/** commander's reducer for a repeatable option. */
export const collect = (v: string, prev: string[]): string[] => [...prev, v];
