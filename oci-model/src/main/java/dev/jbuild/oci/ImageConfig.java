package dev.jbuild.oci;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An image config blob (OCI image-spec {@code config.md}, with the Docker extensions BuildKit writes into OCI
 * configs too): platform, container defaults, layer diff IDs and history. Its digest is the image ID, so it
 * must serialise deterministically: see {@link OciJson}.
 *
 * <p>Top-level keys are written in sorted order, not in Go struct order, because that is what BuildKit writes:
 * its exporter re-marshals the config as a Go map. {@code architecture}, {@code os}, {@code config} and
 * {@code rootfs} are always written (config as {@code {}} when empty, as Docker's {@code DockerOCIImage} does);
 * the rest are omitted when empty. {@code created} is RFC 3339 text kept exactly as read, since re-formatting a
 * base image's timestamp would change nothing but the digest. {@code unknownFields} keeps top-level fields this
 * model does not know (e.g. {@code moby.buildkit.cache.v0}, Docker's {@code container_config}) and writes them
 * back in sorted position; drop them with {@link #withoutUnknownFields()} when deriving a new image.
 */
public record ImageConfig(String created, String author, String architecture, String os, String osVersion,
        List<String> osFeatures, String variant, ContainerConfig config, RootFs rootfs, List<History> history,
        Map<String, JsonNode> unknownFields) {

    /** The JSON names of the known top-level fields. */
    static final Set<String> FIELDS = Set.of("created", "author", "architecture", "os", "os.version",
            "os.features", "variant", "config", "rootfs", "history");

    public ImageConfig {
        created = Values.emptyToNull(created);
        author = Values.emptyToNull(author);
        architecture = architecture == null ? "" : architecture;
        os = os == null ? "" : os;
        osVersion = Values.emptyToNull(osVersion);
        osFeatures = Values.list(osFeatures);
        variant = Values.emptyToNull(variant);
        config = config == null ? ContainerConfig.EMPTY : config;
        rootfs = rootfs == null ? RootFs.layers(List.of()) : rootfs;
        history = Values.list(history);
        unknownFields = Values.unknown(unknownFields, FIELDS, "the image config");
    }

    /** An empty config (no layers, no history, no defaults) for a platform, as for {@code FROM scratch}. */
    public static ImageConfig forPlatform(Platform platform) {
        return new ImageConfig(null, null, platform.architecture(), platform.os(), null, null, platform.variant(),
                null, null, null, null);
    }

    /** Fields this model does not know, as read; a deep copy, so changing it changes nothing here. */
    @Override
    public Map<String, JsonNode> unknownFields() {
        return Values.copyOf(unknownFields);
    }

    /** The platform the config declares ({@code os.version}/{@code os.features} are not part of it). */
    public Platform platform() {
        return new Platform(os, architecture, variant);
    }

    public ImageConfig withPlatform(Platform p) {
        return new ImageConfig(created, author, p.architecture(), p.os(), osVersion, osFeatures, p.variant(), config,
                rootfs, history, unknownFields);
    }

    public ImageConfig withCreated(String v) {
        return new ImageConfig(v, author, architecture, os, osVersion, osFeatures, variant, config, rootfs, history,
                unknownFields);
    }

    public ImageConfig withAuthor(String v) {
        return new ImageConfig(created, v, architecture, os, osVersion, osFeatures, variant, config, rootfs, history,
                unknownFields);
    }

    public ImageConfig withConfig(ContainerConfig v) {
        return new ImageConfig(created, author, architecture, os, osVersion, osFeatures, variant, v, rootfs, history,
                unknownFields);
    }

    public ImageConfig withRootFs(RootFs v) {
        return new ImageConfig(created, author, architecture, os, osVersion, osFeatures, variant, config, v, history,
                unknownFields);
    }

    public ImageConfig withHistory(List<History> v) {
        return new ImageConfig(created, author, architecture, os, osVersion, osFeatures, variant, config, rootfs, v,
                unknownFields);
    }

    /** Adds a layer: its diff ID to {@code rootfs} and its history entry, which must not be an empty layer. */
    public ImageConfig appendLayer(Digest diffId, History h) {
        if (h.emptyLayer()) {
            throw new IllegalArgumentException("history entry of a layer has empty_layer set: " + h);
        }
        return withRootFs(rootfs.append(diffId)).appendHistory(h);
    }

    /** Adds a history entry, e.g. an {@code empty_layer} one for a metadata-only step. */
    public ImageConfig appendHistory(History h) {
        List<History> l = new ArrayList<>(history);
        l.add(h);
        return withHistory(l);
    }

    /** This config without unknown fields, here and in {@code config}, as BuildKit derives a child image. */
    public ImageConfig withoutUnknownFields() {
        return new ImageConfig(created, author, architecture, os, osVersion, osFeatures, variant,
                config.withoutUnknownFields(), rootfs, history, null);
    }
}
