package dev.jbuild.oci;

import java.util.List;
import java.util.Map;

/**
 * An image manifest: config plus layers. One record serves both the OCI image manifest and Docker's schema 2
 * manifest, which have the same shape and differ in media types only (BuildKit writes both from one struct).
 * Written in Go's field order: {@code schemaVersion, mediaType, artifactType, config, layers, subject,
 * annotations}; {@code layers} always (as [] when empty, though the OCI schema asks for at least one), the
 * optional ones only when set. Annotations are sorted so that output is deterministic.
 */
public record Manifest(int schemaVersion, String mediaType, String artifactType, Descriptor config,
        List<Descriptor> layers, Descriptor subject, Map<String, String> annotations) {
    public Manifest {
        if (schemaVersion != 2) {
            throw new IllegalArgumentException("unsupported manifest schemaVersion " + schemaVersion
                    + " (only 2 exists for OCI and Docker schema 2 manifests)");
        }
        if (config == null) {
            throw new IllegalArgumentException("manifest has no config descriptor");
        }
        mediaType = Values.emptyToNull(mediaType);
        artifactType = Values.emptyToNull(artifactType);
        layers = Values.list(layers);
        annotations = Values.map(annotations);
    }

    /** An OCI image manifest ({@value MediaType#OCI_MANIFEST}). */
    public static Manifest oci(Descriptor config, List<Descriptor> layers, Map<String, String> annotations) {
        return new Manifest(2, MediaType.OCI_MANIFEST, null, config, layers, null, annotations);
    }

    /** A Docker schema 2 manifest ({@value MediaType#DOCKER_MANIFEST}); it has no annotations. */
    public static Manifest docker(Descriptor config, List<Descriptor> layers) {
        return new Manifest(2, MediaType.DOCKER_MANIFEST, null, config, layers, null, null);
    }

    public Manifest withAnnotations(Map<String, String> v) {
        return new Manifest(schemaVersion, mediaType, artifactType, config, layers, subject, v);
    }

    public Manifest withSubject(Descriptor v) {
        return new Manifest(schemaVersion, mediaType, artifactType, config, layers, v, annotations);
    }
}
