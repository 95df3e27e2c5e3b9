/** Media types of the OCI image-spec and Docker's image formats. */
export const MediaType = {
  OciManifest: "application/vnd.oci.image.manifest.v1+json",
  OciIndex: "application/vnd.oci.image.index.v1+json",
  OciConfig: "application/vnd.oci.image.config.v1+json",
  OciLayer: "application/vnd.oci.image.layer.v1.tar",
  OciLayerGzip: "application/vnd.oci.image.layer.v1.tar+gzip",
  OciLayerZstd: "application/vnd.oci.image.layer.v1.tar+zstd",
  OciEmpty: "application/vnd.oci.empty.v1+json",
  OciLayout: "application/vnd.oci.layout.header.v1+json",
  DockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  DockerManifestList: "application/vnd.docker.distribution.manifest.list.v2+json",
  /** Docker's schema 1, unsigned and signed; recognised only to be refused with a hint. */
  DockerManifestSchema1: "application/vnd.docker.distribution.manifest.v1+json",
  DockerManifestSchema1Signed: "application/vnd.docker.distribution.manifest.v1+prettyjws",
  DockerConfig: "application/vnd.docker.container.image.v1+json",
  DockerLayerGzip: "application/vnd.docker.image.rootfs.diff.tar.gzip",
  DockerForeignLayerGzip: "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
} as const;

/** Media types a registry stores as manifests (as opposed to blobs). */
export const MANIFEST_MEDIA_TYPES: readonly string[] = [
  MediaType.OciManifest,
  MediaType.OciIndex,
  MediaType.DockerManifest,
  MediaType.DockerManifestList,
];

export const isIndexMediaType = (mt: string | undefined): boolean =>
  mt === MediaType.OciIndex || mt === MediaType.DockerManifestList;

/** Docker's schema 1 manifest types, which berth refuses. */
export const isSchema1MediaType = (mt: string | undefined): boolean =>
  mt === MediaType.DockerManifestSchema1 || mt === MediaType.DockerManifestSchema1Signed;

export const isManifestMediaType = (mt: string | undefined): boolean =>
  mt === MediaType.OciManifest || mt === MediaType.DockerManifest;

/** RFC 6838 media type grammar (type/subtype, with optional +suffix and parameters stripped). */
export const MEDIA_TYPE_GRAMMAR = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;
