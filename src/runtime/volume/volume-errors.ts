import { BerthError } from "../../oci/index.js";

/** No volume of that name exists. */
export class VolumeNotFoundError extends BerthError {
  constructor(readonly volumeName: string) {
    super("NOT_FOUND", `no such volume: ${volumeName}`, { hint: "see `berth volume ls`; `berth volume create NAME` makes one" });
  }
}

/** The volume is mounted by containers, so it may not be removed. */
export class VolumeInUseError extends BerthError {
  constructor(readonly volumeName: string, readonly containers: readonly string[]) {
    super("FAILED_PRECONDITION", `volume ${volumeName} is in use by container${containers.length === 1 ? "" : "s"} ${containers.map((c) => c.slice(0, 12)).join(", ")}`, {
      hint: "remove those containers first (`berth rm CONTAINER`; a stopped one uses its volumes too)",
    });
  }
}

/** A volume's `volume.json` cannot be read as a volume record. */
export class VolumeRecordError extends BerthError {
  constructor(readonly file: string, detail: string, cause?: unknown) {
    super("FAILED_PRECONDITION", `volume record ${file}: ${detail}`, {
      cause,
      hint: "the file was changed outside berth or the disk is damaged; fix or remove that volume's directory",
    });
  }
}
