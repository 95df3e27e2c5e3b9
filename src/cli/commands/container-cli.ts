import { ContainerRuntime } from "../../runtime/index.js";
import type { GlobalOptions } from "../main.js";
import { imageStore } from "./image-commands.js";

/** The containers of the root the global options name. */
export const runtimeOf = (globals: () => GlobalOptions): ContainerRuntime => new ContainerRuntime(imageStore(globals()));

export { collect } from "../flag-table.js";
