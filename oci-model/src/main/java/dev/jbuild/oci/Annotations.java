package dev.jbuild.oci;

/**
 * Annotation keys jbuild reads or writes: the OCI pre-defined ones (image-spec {@code annotations.md}) and
 * containerd's image name, which {@code ctr import} and BuildKit's OCI exporter use to name an imported image.
 */
public final class Annotations {
    private Annotations() {}

    /** RFC 3339 creation time of the image. */
    public static final String CREATED = "org.opencontainers.image.created";
    /** In an OCI layout's {@code index.json}: the tag (or full reference) of a manifest. */
    public static final String REF_NAME = "org.opencontainers.image.ref.name";
    /** containerd: the full image name of a manifest in an exported layout. */
    public static final String CONTAINERD_IMAGE_NAME = "io.containerd.image.name";
    /** Reference of the image this one was built {@code FROM}. */
    public static final String BASE_NAME = "org.opencontainers.image.base.name";
    /** Manifest digest of the image this one was built {@code FROM}. */
    public static final String BASE_DIGEST = "org.opencontainers.image.base.digest";

    public static final String AUTHORS = "org.opencontainers.image.authors";
    public static final String URL = "org.opencontainers.image.url";
    public static final String DOCUMENTATION = "org.opencontainers.image.documentation";
    public static final String SOURCE = "org.opencontainers.image.source";
    public static final String VERSION = "org.opencontainers.image.version";
    public static final String REVISION = "org.opencontainers.image.revision";
    public static final String VENDOR = "org.opencontainers.image.vendor";
    public static final String LICENSES = "org.opencontainers.image.licenses";
    public static final String TITLE = "org.opencontainers.image.title";
    public static final String DESCRIPTION = "org.opencontainers.image.description";
}
