package dev.jbuild.oci;

/**
 * The {@code oci-layout} marker file of an OCI image layout directory, {@code {"imageLayoutVersion":"1.0.0"}},
 * plus the layout's fixed file names, so that writers and readers agree on them.
 */
public record OciLayout(String imageLayoutVersion) {
    public static final String FILE = "oci-layout";
    public static final String INDEX_FILE = "index.json";
    public static final String BLOBS_DIR = "blobs";
    public static final String VERSION = "1.0.0";
    public static final OciLayout CURRENT = new OciLayout(VERSION);

    public OciLayout {
        if (imageLayoutVersion == null || imageLayoutVersion.isEmpty()) {
            throw new IllegalArgumentException("oci-layout without imageLayoutVersion");
        }
    }

    /** {@code blobs/<algorithm>/<hex>}, relative to the layout root. */
    public static String blobPath(Digest digest) {
        return BLOBS_DIR + "/" + digest.algorithm() + "/" + digest.hex();
    }
}
