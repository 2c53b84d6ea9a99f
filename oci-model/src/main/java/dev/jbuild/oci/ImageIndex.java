package dev.jbuild.oci;

import java.util.List;
import java.util.Map;

/**
 * An image index: one manifest descriptor per platform (or per tag in an OCI layout's {@code index.json}).
 * One record serves the OCI index and Docker's manifest list, which have the same shape. Written in Go's
 * field order: {@code schemaVersion, mediaType, artifactType, manifests, subject, annotations}; {@code manifests}
 * always, the optional ones only when set. Manifest order is kept as given: it is significant (clients pick the
 * first match for a platform).
 */
public record ImageIndex(int schemaVersion, String mediaType, String artifactType, List<Descriptor> manifests,
        Descriptor subject, Map<String, String> annotations) {
    public ImageIndex {
        if (schemaVersion != 2) {
            throw new IllegalArgumentException("unsupported image index schemaVersion " + schemaVersion);
        }
        mediaType = Values.emptyToNull(mediaType);
        artifactType = Values.emptyToNull(artifactType);
        manifests = Values.list(manifests);
        annotations = Values.map(annotations);
    }

    /** An OCI image index ({@value MediaType#OCI_INDEX}). */
    public static ImageIndex oci(List<Descriptor> manifests, Map<String, String> annotations) {
        return new ImageIndex(2, MediaType.OCI_INDEX, null, manifests, null, annotations);
    }

    /** A Docker manifest list ({@value MediaType#DOCKER_MANIFEST_LIST}); it has no annotations. */
    public static ImageIndex docker(List<Descriptor> manifests) {
        return new ImageIndex(2, MediaType.DOCKER_MANIFEST_LIST, null, manifests, null, null);
    }

    public ImageIndex withManifests(List<Descriptor> v) {
        return new ImageIndex(schemaVersion, mediaType, artifactType, v, subject, annotations);
    }

    public ImageIndex withAnnotations(Map<String, String> v) {
        return new ImageIndex(schemaVersion, mediaType, artifactType, manifests, subject, v);
    }
}
