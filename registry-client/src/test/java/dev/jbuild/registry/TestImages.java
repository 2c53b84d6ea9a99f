package dev.jbuild.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbuild.oci.ContainerConfig;
import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.Digest;
import dev.jbuild.oci.History;
import dev.jbuild.oci.ImageConfig;
import dev.jbuild.oci.ImageIndex;
import dev.jbuild.oci.Manifest;
import dev.jbuild.oci.MediaType;
import dev.jbuild.oci.OciJson;
import dev.jbuild.oci.Platform;
import dev.jbuild.store.Compression;
import dev.jbuild.store.Layer;
import dev.jbuild.store.LayerEntry;
import dev.jbuild.store.LayerWriter;
import dev.jbuild.store.Store;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Images for tests, built in a store with layer-cache's LayerWriter and oci-model's records: no network. */
final class TestImages {
    private TestImages() {}

    static final Instant EPOCH = Instant.parse("2024-01-02T03:04:05Z");

    /** A built image: its manifest and every blob it references. */
    record Image(Digest manifest, byte[] manifestBytes, Manifest parsed, List<Descriptor> blobs) {
        Descriptor descriptor(String mediaType, Platform p) {
            return new Descriptor(mediaType, manifest, manifestBytes.length).withPlatform(p);
        }
    }

    /** A layer with a few files of seeded random content ({@code fileSize} bytes each). */
    static Layer layer(Store store, long seed, int files, int fileSize, Compression c, boolean docker)
            throws IOException {
        Random r = new Random(seed);
        List<LayerEntry> entries = new ArrayList<>();
        entries.add(LayerEntry.directory("data", 0755, 0, 0, EPOCH));
        for (int i = 0; i < files; i++) {
            byte[] content = new byte[fileSize];
            r.nextBytes(content);
            entries.add(LayerEntry.file("data/file-" + seed + "-" + i + ".bin", 0644, 0, 0, EPOCH, content));
        }
        entries.add(LayerEntry.file("etc/seed", 0644, 0, 0, EPOCH, ("seed " + seed + "\n").getBytes()));
        return LayerWriter.write(store.blobs(), entries, c, EPOCH, docker);
    }

    /** An image of the layers, its config declaring {@code platform}; Docker schema 2 types when {@code docker}. */
    static Image image(Store store, Platform platform, boolean docker, List<Layer> layers) throws IOException {
        ImageConfig cfg = ImageConfig.forPlatform(platform).withCreated(OciJson.formatTime(EPOCH));
        cfg = cfg.withConfig(ContainerConfig.EMPTY);
        int i = 0;
        for (Layer l : layers) {
            cfg = cfg.appendLayer(l.diffId(), History.layer(OciJson.formatTime(EPOCH), "layer " + i++, null));
        }
        byte[] cfgBytes = OciJson.write(cfg);
        Digest cd = store.blobs().put(cfgBytes);
        Descriptor configDesc = new Descriptor(docker ? MediaType.DOCKER_CONFIG : MediaType.OCI_CONFIG, cd,
                cfgBytes.length);
        List<Descriptor> layerDescs = new ArrayList<>();
        for (Layer l : layers) {
            layerDescs.add(l.descriptor());
        }
        Manifest m = docker ? Manifest.docker(configDesc, layerDescs)
                : Manifest.oci(configDesc, layerDescs, Map.of("org.opencontainers.image.title", "test"));
        byte[] mb = OciJson.write(m);
        Digest md = store.blobs().put(mb);
        List<Descriptor> blobs = new ArrayList<>();
        blobs.add(configDesc);
        blobs.addAll(layerDescs);
        return new Image(md, mb, m, blobs);
    }

    /** A small image: {@code layers} gzip layers of a few KB. */
    static Image simple(Store store, long seed, int layers) throws IOException {
        List<Layer> ls = new ArrayList<>();
        for (int i = 0; i < layers; i++) {
            ls.add(layer(store, seed * 100 + i, 3, 2048, Compression.GZIP, false));
        }
        return image(store, Platform.parse("linux/amd64"), false, ls);
    }

    /** An index (OCI, or a Docker manifest list) of images with their platforms. */
    static Digest index(Store store, boolean docker, List<Image> images, List<Platform> platforms)
            throws IOException {
        List<Descriptor> ds = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            ds.add(images.get(i).descriptor(docker ? MediaType.DOCKER_MANIFEST : MediaType.OCI_MANIFEST,
                    platforms.get(i)));
        }
        ImageIndex idx = docker ? ImageIndex.docker(ds) : ImageIndex.oci(ds, Map.of());
        return store.blobs().put(OciJson.write(idx));
    }

    /** Every blob of {@code image} is in {@code store} with the very bytes it has in {@code source}. */
    static void assertSameBlobs(Store source, Store store, Image image) throws IOException {
        assertTrue(Files.exists(store.blobs().path(image.manifest())), "manifest in the store");
        assertEquals(-1L, Files.mismatch(source.blobs().path(image.manifest()), store.blobs().path(image.manifest())));
        for (Descriptor d : image.blobs()) {
            assertTrue(store.blobs().has(d.digest()), "blob " + d.digest() + " in the store");
            assertEquals(-1L, Files.mismatch(source.blobs().path(d.digest()), store.blobs().path(d.digest())),
                    "blob " + d.digest() + " is byte-identical");
        }
    }
}
