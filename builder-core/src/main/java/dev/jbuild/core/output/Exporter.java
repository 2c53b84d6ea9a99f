package dev.jbuild.core.output;

import dev.jbuild.core.build.BuildResult;
import dev.jbuild.oci.Annotations;
import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.Digest;
import dev.jbuild.oci.ImageConfig;
import dev.jbuild.oci.ImageIndex;
import dev.jbuild.oci.ImageReference;
import dev.jbuild.oci.Manifest;
import dev.jbuild.oci.OciJson;
import dev.jbuild.oci.OciLayout;
import dev.jbuild.store.Compression;
import dev.jbuild.store.LayerEntry;
import dev.jbuild.store.LayerWriter;
import dev.jbuild.store.Store;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Writes a built image out of the store: an OCI image layout (directory or tar), a docker-archive
 * tar ({@code docker load}), or the final root filesystem (directory or tar). Archives are
 * deterministic: sorted entries, numeric owners, fixed times.
 */
public final class Exporter {
    private final Store store;
    private final Instant time;

    /** @param time the mtime of files in archives (SOURCE_DATE_EPOCH, or the epoch) */
    public Exporter(Store store, Instant time) {
        this.store = store;
        this.time = time == null ? Instant.EPOCH : time;
    }

    /**
     * An image of the store to write out: its manifest (the platform manifest, not an index), its
     * config, and the references to name it by in the archive (full references as
     * {@link ImageReference#toString()} gives them; may be empty).
     */
    public record Image(Descriptor manifestDescriptor, Manifest manifest, ImageConfig config, List<String> tags) {
        public Image {
            tags = List.copyOf(tags);
        }

        /** A built image, named by its first tag as BuildKit's exporters name it. */
        public static Image of(BuildResult result) {
            return new Image(result.manifestDescriptor(), result.manifest(), result.config(),
                    result.tags().isEmpty() ? List.of() : List.of(result.tags().get(0)));
        }
    }

    /**
     * Writes images of the store into one archive, as {@code jbuild save} does: {@code "docker"}, a
     * docker-archive tar ({@code docker load}, {@code podman load}); {@code "oci"}, an OCI image
     * layout tar, one {@code index.json} entry per tag (one without annotations for an untagged
     * image). An image listed twice is written once.
     */
    public void save(String type, Path dest, List<Image> images) throws IOException {
        switch (type) {
            case "docker" -> writeTar(dest, dockerArchive(images));
            case "oci" -> writeTar(dest, ociLayout(images));
            default -> throw new IllegalArgumentException("unknown archive format " + type + " (docker or oci)");
        }
    }

    public void export(OutputSpec spec, BuildResult result) throws IOException {
        Path dest = Path.of(spec.dest() == null ? "." : spec.dest());
        switch (spec.type()) {
            case "oci" -> {
                Map<String, Content> files = ociLayout(result);
                if (dest.toString().endsWith(".tar")) {
                    writeTar(dest, files);
                } else {
                    writeDir(dest, files);
                }
            }
            case "docker" -> writeTar(dest, dockerArchive(result));
            case "local" -> LocalWriter.write(dest, result.rootfs());
            case "tar" -> {
                Path tmp = temp(dest);
                try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp))) {
                    LayerWriter.writeTar(out, result.rootfs(), null);
                }
                Files.move(tmp, dest, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
            case "image", "registry" -> { } // the store already has it (the CLI tags and pushes it)
            default -> throw new IllegalArgumentException("unknown output type " + spec.type());
        }
    }

    /** A file to write: bytes, or a stream opened when written. */
    private record Content(long size, StreamSource source) {
        static Content of(byte[] b) {
            return new Content(b.length, () -> new java.io.ByteArrayInputStream(b));
        }
    }

    @FunctionalInterface
    private interface StreamSource {
        InputStream open() throws IOException;
    }

    private Content blob(Digest d) throws IOException {
        return new Content(store.blobs().size(d), () -> store.blobs().open(d));
    }

    private Map<String, Content> ociLayout(BuildResult result) throws IOException {
        return ociLayout(List.of(Image.of(result)));
    }

    private Map<String, Content> ociLayout(List<Image> images) throws IOException {
        Map<String, Content> files = new TreeMap<>();
        files.put(OciLayout.FILE, Content.of(OciJson.write(OciLayout.CURRENT)));
        List<Descriptor> manifests = new ArrayList<>();
        for (Image image : images) {
            List<Map<String, String>> names = new ArrayList<>();
            for (String t : image.tags()) {
                ImageReference ref = ImageReference.parse(t);
                Map<String, String> annotations = new LinkedHashMap<>();
                annotations.put(Annotations.CONTAINERD_IMAGE_NAME, ref.toString());
                annotations.put(Annotations.REF_NAME, ref.tag() != null ? ref.tag() : ImageReference.DEFAULT_TAG);
                names.add(annotations);
            }
            if (names.isEmpty()) {
                names.add(Map.of());
            }
            for (Map<String, String> annotations : names) {
                Descriptor m = image.manifestDescriptor().withAnnotations(annotations);
                if (!manifests.contains(m)) {
                    manifests.add(m);
                }
            }
            Descriptor m = image.manifestDescriptor();
            files.put(OciLayout.blobPath(m.digest()), blob(m.digest()));
            files.put(OciLayout.blobPath(image.manifest().config().digest()), blob(image.manifest().config().digest()));
            for (Descriptor l : image.manifest().layers()) {
                files.put(OciLayout.blobPath(l.digest()), blob(l.digest()));
            }
        }
        ImageIndex index = ImageIndex.oci(manifests, Map.of());
        files.put(OciLayout.INDEX_FILE, Content.of(OciJson.write(index)));
        return files;
    }

    /** docker save's format: manifest.json, the config, one uncompressed tar per layer. */
    private Map<String, Content> dockerArchive(BuildResult result) throws IOException {
        return dockerArchive(List.of(new Image(result.manifestDescriptor(), result.manifest(), result.config(),
                result.tags())));
    }

    private Map<String, Content> dockerArchive(List<Image> images) throws IOException {
        Map<String, Content> files = new TreeMap<>();
        JsonNodeFactory f = JsonNodeFactory.instance;
        ArrayNode manifest = f.arrayNode();
        ObjectNode repositories = f.objectNode();
        Map<Digest, ObjectNode> entries = new LinkedHashMap<>();
        for (Image image : images) {
            Digest configDigest = image.manifest().config().digest();
            String configName = "blobs/sha256/" + configDigest.hex();
            List<Digest> diffIds = image.config().rootfs() == null ? List.of() : image.config().rootfs().diffIds();
            if (diffIds.size() != image.manifest().layers().size()) {
                throw new IOException("image " + configDigest + " is inconsistent: " + image.manifest().layers().size()
                        + " layers but " + diffIds.size() + " diff ids");
            }
            ObjectNode entry = entries.get(configDigest);
            if (entry == null) {
                files.put(configName, blob(configDigest));
                List<String> layerNames = new ArrayList<>();
                for (int i = 0; i < image.manifest().layers().size(); i++) {
                    Descriptor l = image.manifest().layers().get(i);
                    Digest diffId = diffIds.get(i);
                    String name = "blobs/sha256/" + diffId.hex();
                    layerNames.add(name);
                    if (files.containsKey(name)) {
                        continue;
                    }
                    Path plain = Files.createTempFile(store.root().resolve("tmp"), "layer-", ".tar");
                    plain.toFile().deleteOnExit();
                    try (InputStream in = decompressed(store.blobs().open(l.digest()))) {
                        Files.copy(in, plain, StandardCopyOption.REPLACE_EXISTING);
                    }
                    files.put(name, new Content(Files.size(plain), () -> Files.newInputStream(plain)));
                }
                entry = manifest.addObject();
                entry.put("Config", configName);
                entry.putArray("RepoTags");
                ArrayNode layers = entry.putArray("Layers");
                layerNames.forEach(layers::add);
                entries.put(configDigest, entry);
            }
            ArrayNode repoTags = (ArrayNode) entry.get("RepoTags");
            for (String t : image.tags()) {
                ImageReference ref = ImageReference.parse(t);
                boolean known = false;
                for (com.fasterxml.jackson.databind.JsonNode n : repoTags) {
                    known |= n.asText().equals(ref.familiar());
                }
                if (!known) {
                    repoTags.add(ref.familiar());
                }
                if (ref.tag() != null && !diffIds.isEmpty()) {
                    ObjectNode repo = repositories.has(ref.familiarName())
                            ? (ObjectNode) repositories.get(ref.familiarName())
                            : repositories.putObject(ref.familiarName());
                    repo.put(ref.tag(), diffIds.get(diffIds.size() - 1).hex());
                }
            }
        }
        files.put("manifest.json", Content.of(OciJson.write(manifest)));
        if (repositories.size() > 0) {
            files.put("repositories", Content.of(OciJson.write(repositories)));
        }
        return files;
    }

    /** A layer blob's tar: gzip (every member: big layers are several) or zstd, as the store reads layers. */
    private static InputStream decompressed(InputStream raw) throws IOException {
        BufferedInputStream in = new BufferedInputStream(raw);
        return Compression.detect(in).decompress(in);
    }

    private void writeDir(Path dir, Map<String, Content> files) throws IOException {
        Files.createDirectories(dir);
        for (Map.Entry<String, Content> e : files.entrySet()) {
            Path target = dir.resolve(e.getKey());
            Files.createDirectories(target.getParent());
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS) && Files.size(target) == e.getValue().size()
                    && e.getKey().startsWith(OciLayout.BLOBS_DIR + "/")) {
                continue; // content-addressed: already there
            }
            Path tmp = temp(target);
            try (InputStream in = e.getValue().source().open()) {
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
    }

    private void writeTar(Path file, Map<String, Content> files) throws IOException {
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        Path tmp = temp(file);
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp)))) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            java.util.Set<String> dirs = new java.util.TreeSet<>();
            for (String name : files.keySet()) {
                for (int i = name.indexOf('/'); i > 0; i = name.indexOf('/', i + 1)) {
                    dirs.add(name.substring(0, i + 1));
                }
            }
            Map<String, Content> all = new TreeMap<>(files);
            for (String d : dirs) {
                all.put(d, null);
            }
            for (Map.Entry<String, Content> e : all.entrySet()) {
                TarArchiveEntry te = new TarArchiveEntry(e.getKey());
                te.setModTime(FileTime.from(time));
                te.setUserId(0);
                te.setGroupId(0);
                te.setUserName("");
                te.setGroupName("");
                if (e.getValue() == null) {
                    te.setMode(TarArchiveEntry.DEFAULT_DIR_MODE & 07777 | 040000);
                    tar.putArchiveEntry(te);
                } else {
                    te.setMode(0100644);
                    te.setSize(e.getValue().size());
                    tar.putArchiveEntry(te);
                    try (InputStream in = e.getValue().source().open()) {
                        in.transferTo(tar);
                    }
                }
                tar.closeArchiveEntry();
            }
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static Path temp(Path target) throws IOException {
        Path parent = target.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        return Files.createTempFile(parent, "." + target.getFileName() + ".", ".tmp");
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
