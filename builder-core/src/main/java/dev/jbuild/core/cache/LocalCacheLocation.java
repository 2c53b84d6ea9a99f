package dev.jbuild.core.cache;

import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.Digest;
import dev.jbuild.oci.ImageIndex;
import dev.jbuild.oci.MediaType;
import dev.jbuild.oci.OciJson;
import dev.jbuild.oci.VerifyingInputStream;
import dev.jbuild.store.Store;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A cache in a directory ({@code type=local,dest=DIR} / {@code src=DIR}), as an OCI image layout: {@code oci-layout},
 * {@code index.json} listing the one cache manifest, {@code blobs/sha256/...}. Writing adds the blobs the directory
 * lacks and replaces {@code index.json} atomically, so a reader sees the old cache or the new one.
 */
final class LocalCacheLocation extends CacheLocation {
    private final Path dir;

    LocalCacheLocation(Path dir) {
        this.dir = dir;
    }

    @Override
    String describe() {
        return dir.toString();
    }

    private Path blob(Digest d) {
        return dir.resolve("blobs").resolve(d.algorithm()).resolve(d.hex());
    }

    @Override
    Optional<Doc> top() throws IOException {
        Path index = dir.resolve("index.json");
        if (!Files.isRegularFile(index)) {
            return Optional.empty();
        }
        return Optional.of(new Doc(MediaType.OCI_INDEX, Files.readAllBytes(index)));
    }

    @Override
    Doc manifest(Descriptor d) throws IOException {
        byte[] b = read(d);
        return new Doc(d.mediaType(), b);
    }

    private byte[] read(Descriptor d) throws IOException {
        try (InputStream in = new VerifyingInputStream(Files.newInputStream(blob(d.digest())), d.digest(), d.size())) {
            return in.readAllBytes();
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(blob(d.digest()).toString(), null, "the cache in " + dir + " lacks blob "
                    + d.digest());
        }
    }

    @Override
    void fetch(Descriptor d, Store store) throws IOException {
        if (store.blobs().has(d.digest())) {
            return;
        }
        try (InputStream in = new VerifyingInputStream(Files.newInputStream(blob(d.digest())), d.digest(), d.size())) {
            store.blobs().put(in, d.digest());
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(blob(d.digest()).toString(), null, "the cache in " + dir + " lacks blob "
                    + d.digest());
        }
    }

    @Override
    void write(Store store, Descriptor manifest) throws IOException {
        Files.createDirectories(dir.resolve("blobs").resolve("sha256"));
        byte[] m = store.blobs().read(manifest.digest());
        dev.jbuild.oci.Manifest parsed = OciJson.read(m, dev.jbuild.oci.Manifest.class);
        copy(store, parsed.config().digest());
        for (Descriptor l : parsed.layers()) {
            copy(store, l.digest());
        }
        copy(store, manifest.digest());
        Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}", StandardCharsets.UTF_8);
        Descriptor entry = manifest.withAnnotations(Map.of("dev.jbuild.artifactType", CacheDocument.ARTIFACT_TYPE));
        byte[] index = OciJson.write(ImageIndex.oci(List.of(entry), null));
        Path tmp = dir.resolve("index.json." + ProcessHandle.current().pid() + ".tmp");
        Files.write(tmp, index);
        Files.move(tmp, dir.resolve("index.json"), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
    }

    private void copy(Store store, Digest d) throws IOException {
        Path target = blob(d);
        if (Files.isRegularFile(target) && Files.size(target) == store.blobs().size(d)) {
            return;
        }
        Path tmp = target.resolveSibling(d.hex() + "." + ProcessHandle.current().pid() + ".tmp");
        try (InputStream in = store.blobs().open(d)) {
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
        }
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
