import { BerthError } from "../../oci/index.js";

/**
 * A scaling input that cannot be right: an autoscale range with min above
 * max, a target of 0 %, a percentile outside (0, 100]. The message names the
 * field and the value; nothing was decided or changed.
 */
export class ScalingInputError extends BerthError {
  constructor(readonly field: string, readonly value: unknown, expected: string) {
    super("INVALID_ARGUMENT", `${field}: expected ${expected}, got ${typeof value === "number" ? String(value) : (JSON.stringify(value) ?? String(value))}`, {
      hint: "check x-berth.autoscale and x-berth.right-size in the stack file (see src/orchestrator/README.md)",
    });
  }
}

/** Throw {@link ScalingInputError} unless `value` is a finite number in [min, max] (and an integer when asked). */
export function checkNumber(field: string, value: number, min: number, max: number, integer = false): void {
  if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw new ScalingInputError(field, value, `${integer ? "an integer" : "a number"} from ${min} to ${max}`);
  }
}
