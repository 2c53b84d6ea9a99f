package dev.jbuild.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jbuild.oci.Annotations;
import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.Digest;
import dev.jbuild.oci.ImageConfig;
import dev.jbuild.oci.ImageIndex;
import dev.jbuild.oci.Manifest;
import dev.jbuild.oci.MediaType;
import dev.jbuild.oci.OciJson;
import dev.jbuild.oci.OciLayout;
import dev.jbuild.store.Blob;
import dev.jbuild.store.BlobWriter;
import dev.jbuild.store.Compression;
import dev.jbuild.store.Store;
import dev.jbuild.store.StoreLock;
import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * {@code jbuild load}: imports an OCI image layout (a directory or a tar) or a docker-archive tar
 * ({@code docker save}'s format: {@code manifest.json} naming each image's config, tags and layer
 * tars) into the store. Every blob's digest is verified, and every layer's diff-id against its
 * config; nothing is tagged unless the whole input is good. A docker-archive's layers are stored
 * as they are in the archive (an uncompressed tar stays one, with media type
 * {@value MediaType#OCI_LAYER}) and an OCI manifest is written for each image.
 */
final class ImageLoader {
    /** Largest metadata file (index.json, manifest.json) read into memory. */
    private static final long MAX_JSON = 64L * 1024 * 1024;
    private static final Set<String> METADATA = Set.of(OciLayout.FILE, OciLayout.INDEX_FILE, "manifest.json");
    private static final Pattern BLOB_PATH = Pattern.compile("blobs/(sha256|sha512)/([a-f0-9]+)");
    /** docker-archive file names that carry the content digest: {@code <hex>.json}, {@code blobs/sha256/<hex>}. */
    private static final Pattern DIGEST_NAME = Pattern.compile("(?:^|.*/)([a-f0-9]{64})(?:\\.json|\\.tar)?");

    /** What was loaded: the references tagged (full form), and the ids of images left untagged. */
    record Loaded(String name, Digest target, Digest imageId) {}

    private final Store store;
    private final Map<Digest, Digest> diffIds = new HashMap<>();

    ImageLoader(Store store) {
        this.store = store;
    }

    /** Loads {@code input} (a directory or a tar, possibly gzip- or zstd-compressed). */
    List<Loaded> load(Path input) throws IOException, StoreCommand.Failure {
        if (!Files.exists(input)) {
            throw new StoreCommand.Failure(input + ": no such file or directory");
        }
        try (StoreLock hold = store.lockShared();
                Archive archive = Files.isDirectory(input) ? new DirArchive(input) : new TarArchive(input)) {
            List<Loaded> loaded;
            if (archive.has(OciLayout.FILE) && archive.has(OciLayout.INDEX_FILE)) {
                loaded = loadOciLayout(archive);
            } else if (archive.has("manifest.json")) {
                loaded = loadDockerArchive(archive);
            } else {
                throw new StoreCommand.Failure(input + ": neither an OCI image layout (no oci-layout and index.json)"
                        + " nor a docker-archive (no manifest.json)");
            }
            for (Loaded l : loaded) {
                if (l.name() != null) {
                    store.images().tag(l.name(), l.target());
                }
            }
            return loaded;
        }
    }

    // ---- OCI image layout --------------------------------------------------------------------

    private List<Loaded> loadOciLayout(Archive archive) throws IOException, StoreCommand.Failure {
        String where = archive.describe();
        JsonNode layout = parseJson(archive, OciLayout.FILE);
        String version = layout.path("imageLayoutVersion").asText("");
        if (!version.startsWith("1.")) {
            throw new StoreCommand.Failure(where + ": oci-layout: unsupported imageLayoutVersion \"" + version + "\"");
        }
        ImageIndex index;
        try {
            index = OciJson.read(archive.read(OciLayout.INDEX_FILE), ImageIndex.class);
        } catch (IllegalArgumentException e) {
            throw new StoreCommand.Failure(where + ": index.json: " + e.getMessage());
        }
        // Every blob of the layout goes into the store, verified against its name.
        Map<String, Digest> wanted = new TreeMap<>();
        for (String name : archive.files()) {
            Matcher m = BLOB_PATH.matcher(name);
            if (m.matches()) {
                try {
                    wanted.put(name, new Digest(m.group(1), m.group(2)));
                } catch (IllegalArgumentException e) {
                    throw new StoreCommand.Failure(where + ": " + name + ": not a valid blob name: " + e.getMessage());
                }
            }
        }
        archive.importFiles(wanted, store);
        List<Loaded> out = new ArrayList<>();
        for (Descriptor d : index.manifests()) {
            String what = "index.json: " + d.digest();
            Digest imageId = verifyTree(where, d, what);
            String name = nameOf(where, d.annotations());
            out.add(new Loaded(name, d.digest(), imageId));
        }
        if (out.isEmpty()) {
            throw new StoreCommand.Failure(where + ": index.json lists no manifests");
        }
        return out;
    }

    /** The tag an index.json entry asks for, or null: containerd's name, else a full reference in ref.name. */
    private static String nameOf(String where, Map<String, String> annotations) throws StoreCommand.Failure {
        String name = annotations.get(Annotations.CONTAINERD_IMAGE_NAME);
        if (name == null || name.isEmpty()) {
            name = annotations.get(Annotations.REF_NAME);
            // ref.name is usually only a tag ("latest"), which names no repository.
            if (name == null || !(name.contains("/") || name.contains(":"))) {
                return null;
            }
        }
        try {
            return LocalImages.tagReference(name).toString();
        } catch (IllegalArgumentException e) {
            throw new StoreCommand.Failure(where + ": index.json: " + e.getMessage());
        }
    }

    /**
     * Checks that a descriptor's blob and everything below it is in the store with the declared
     * sizes, and that every layer matches its diff-id. Answers the image id (config digest) of a
     * manifest, the first child's for an index.
     */
    private Digest verifyTree(String where, Descriptor top, String what) throws IOException, StoreCommand.Failure {
        Digest imageId = null;
        Deque<Descriptor> work = new ArrayDeque<>();
        work.add(top);
        Deque<String> whats = new ArrayDeque<>();
        whats.add(what);
        while (!work.isEmpty()) {
            Descriptor d = work.pop();
            String w = whats.pop();
            checkBlob(where, d, w);
            byte[] bytes = store.blobs().read(d.digest());
            JsonNode node;
            try {
                node = OciJson.tree(bytes);
            } catch (IllegalArgumentException e) {
                throw new StoreCommand.Failure(where + ": " + w + ": not JSON: " + e.getMessage());
            }
            String mediaType = d.mediaType() != null ? d.mediaType() : node.path("mediaType").asText("");
            if (MediaType.isIndex(mediaType) || node.has("manifests") && !node.has("layers")) {
                ImageIndex index = read(where, w, bytes, ImageIndex.class);
                for (Descriptor child : index.manifests()) {
                    work.add(child);
                    whats.add(w + " > " + child.digest());
                }
                continue;
            }
            Manifest m = read(where, w, bytes, Manifest.class);
            checkBlob(where, m.config(), w + ": config");
            byte[] configBytes = store.blobs().read(m.config().digest());
            boolean image = MediaType.OCI_CONFIG.equals(m.config().mediaType())
                    || MediaType.DOCKER_CONFIG.equals(m.config().mediaType());
            List<Digest> ids = List.of();
            if (image) {
                ImageConfig config = read(where, w + ": config " + m.config().digest(), configBytes, ImageConfig.class);
                ids = config.rootfs().diffIds();
                if (imageId == null) {
                    imageId = m.config().digest();
                }
            }
            int layer = 0;
            for (Descriptor l : m.layers()) {
                String lw = w + ": layer " + l.digest();
                checkBlob(where, l, lw);
                if (image && MediaType.isLayer(l.mediaType())) {
                    if (layer >= ids.size()) {
                        throw new StoreCommand.Failure(where + ": " + w + ": " + m.layers().size()
                                + " layers but the config lists " + ids.size() + " diff_ids");
                    }
                    verifyDiffId(where, lw, l.digest(), ids.get(layer), layer);
                    layer++;
                }
            }
            if (image && layer != ids.size()) {
                throw new StoreCommand.Failure(where + ": " + w + ": " + layer + " layers but the config lists "
                        + ids.size() + " diff_ids");
            }
        }
        return imageId != null ? imageId : top.digest();
    }

    private void checkBlob(String where, Descriptor d, String what) throws IOException, StoreCommand.Failure {
        if (!store.blobs().has(d.digest())) {
            throw new StoreCommand.Failure(where + ": " + what + ": blob " + d.digest() + " is missing ("
                    + OciLayout.blobPath(d.digest()) + ")");
        }
        long size = store.blobs().size(d.digest());
        if (size != d.size()) {
            throw new StoreCommand.Failure(where + ": " + what + ": blob " + d.digest() + " has " + size
                    + " bytes, but its descriptor says " + d.size());
        }
    }

    private static <T> T read(String where, String what, byte[] json, Class<T> type) throws StoreCommand.Failure {
        try {
            return OciJson.read(json, type);
        } catch (IllegalArgumentException e) {
            throw new StoreCommand.Failure(where + ": " + what + ": " + e.getMessage());
        }
    }

    // ---- docker-archive ----------------------------------------------------------------------

    private List<Loaded> loadDockerArchive(Archive archive) throws IOException, StoreCommand.Failure {
        String where = archive.describe();
        JsonNode manifest = parseJson(archive, "manifest.json");
        if (!manifest.isArray() || manifest.isEmpty()) {
            throw new StoreCommand.Failure(where + ": manifest.json: expected a non-empty array of images");
        }
        record Entry(String config, List<String> tags, List<String> layers) {}
        List<Entry> entries = new ArrayList<>();
        Map<String, Digest> wanted = new TreeMap<>();
        int i = 0;
        for (JsonNode e : manifest) {
            String config = e.path("Config").asText("");
            if (config.isEmpty()) {
                throw new StoreCommand.Failure(where + ": manifest.json: image " + i + " has no Config");
            }
            List<String> tags = new ArrayList<>();
            for (JsonNode t : e.path("RepoTags")) {
                tags.add(t.asText());
            }
            List<String> layers = new ArrayList<>();
            for (JsonNode l : e.path("Layers")) {
                layers.add(l.asText());
            }
            config = Archive.clean(config);
            wanted.put(config, digestInName(config));
            for (int j = 0; j < layers.size(); j++) {
                layers.set(j, Archive.clean(layers.get(j)));
                wanted.putIfAbsent(layers.get(j), digestInName(layers.get(j)));
            }
            entries.add(new Entry(config, tags, layers));
            i++;
        }
        for (String name : wanted.keySet()) {
            if (!archive.has(name)) {
                throw new StoreCommand.Failure(where + ": manifest.json names " + name + ", which is not in the archive");
            }
        }
        Map<String, Blob> blobs = archive.importFiles(wanted, store);
        List<Loaded> out = new ArrayList<>();
        for (Entry e : entries) {
            Blob configBlob = blobs.get(e.config());
            byte[] configBytes = store.blobs().read(configBlob.digest());
            ImageConfig config = read(where, e.config(), configBytes, ImageConfig.class);
            List<Digest> ids = config.rootfs().diffIds();
            if (ids.size() != e.layers().size()) {
                throw new StoreCommand.Failure(where + ": manifest.json lists " + e.layers().size() + " layers for "
                        + e.config() + ", but it has " + ids.size() + " diff_ids");
            }
            List<Descriptor> layers = new ArrayList<>();
            for (int j = 0; j < e.layers().size(); j++) {
                Blob b = blobs.get(e.layers().get(j));
                Compression c = verifyDiffId(where, e.layers().get(j), b.digest(), ids.get(j), j);
                layers.add(b.descriptor(c.mediaType(false)));
            }
            Manifest m = Manifest.oci(configBlob.descriptor(MediaType.OCI_CONFIG), layers, Map.of());
            Digest manifestDigest = store.blobs().put(OciJson.write(m));
            if (e.tags().isEmpty()) {
                out.add(new Loaded(null, manifestDigest, configBlob.digest()));
            }
            for (String t : e.tags()) {
                String name;
                try {
                    name = LocalImages.tagReference(t).toString();
                } catch (IllegalArgumentException ex) {
                    throw new StoreCommand.Failure(where + ": manifest.json: RepoTags: " + ex.getMessage());
                }
                out.add(new Loaded(name, manifestDigest, configBlob.digest()));
            }
        }
        return out;
    }

    private static Digest digestInName(String name) {
        Matcher m = DIGEST_NAME.matcher(name);
        return m.matches() ? new Digest("sha256", m.group(1)) : null;
    }

    // ---- shared ------------------------------------------------------------------------------

    /**
     * Reads a stored layer blob through its decompression, checks that the tar's digest is the
     * config's diff-id, and records it; answers the blob's compression.
     */
    private Compression verifyDiffId(String where, String what, Digest blob, Digest expected, int index)
            throws IOException, StoreCommand.Failure {
        Compression c;
        Digest actual = diffIds.get(blob);
        try (BufferedInputStream in = new BufferedInputStream(store.blobs().open(blob), 64 * 1024)) {
            c = Compression.detect(in);
            if (actual == null) {
                MessageDigest md = Digest.newSha256();
                try (InputStream plain = c.decompress(in)) {
                    byte[] buf = new byte[64 * 1024];
                    for (int n; (n = plain.read(buf)) > 0;) {
                        md.update(buf, 0, n);
                    }
                } catch (IOException e) {
                    throw new StoreCommand.Failure(where + ": " + what + ": cannot read the layer: " + e.getMessage());
                }
                actual = Digest.fromMessageDigest(md.digest());
                diffIds.put(blob, actual);
            }
        }
        if (!actual.equals(expected)) {
            throw new StoreCommand.Failure(where + ": " + what + ": its uncompressed content has digest " + actual
                    + ", but the config's rootfs.diff_ids[" + index + "] is " + expected);
        }
        store.blobs().recordDiffId(blob, actual);
        return c;
    }

    private static JsonNode parseJson(Archive archive, String name) throws IOException, StoreCommand.Failure {
        try {
            return OciJson.tree(archive.read(name));
        } catch (IllegalArgumentException e) {
            throw new StoreCommand.Failure(archive.describe() + ": " + name + ": " + e.getMessage());
        }
    }

    /** The files of an input: names relative to its root, '/'-separated. */
    private abstract static class Archive implements Closeable {
        abstract String describe();

        abstract boolean has(String name);

        /** A metadata file's content. */
        abstract byte[] read(String name) throws IOException, StoreCommand.Failure;

        /** Every regular file (and link to one). */
        abstract List<String> files();

        /**
         * Stores the named files as blobs; a non-null digest is the one the content must have
         * (a mismatch fails, naming the file). Answers each name's blob.
         */
        abstract Map<String, Blob> importFiles(Map<String, Digest> names, Store store)
                throws IOException, StoreCommand.Failure;

        @Override
        public void close() throws IOException {}

        /** {@code ./a//b} → {@code a/b}. */
        static String clean(String name) {
            Deque<String> parts = new ArrayDeque<>();
            for (String p : name.split("/")) {
                if (p.isEmpty() || p.equals(".")) {
                    continue;
                }
                if (p.equals("..")) {
                    if (!parts.isEmpty()) {
                        parts.removeLast();
                    }
                    continue;
                }
                parts.add(p);
            }
            return String.join("/", parts);
        }

        Blob put(Store store, String name, InputStream in, Digest expected) throws IOException, StoreCommand.Failure {
            try (BlobWriter w = store.blobs().writer()) {
                in.transferTo(w);
                try {
                    return w.commit(expected);
                } catch (IOException e) {
                    if (expected != null && e.getMessage() != null && e.getMessage().contains("does not match")) {
                        throw new StoreCommand.Failure(describe() + ": " + name + ": " + e.getMessage()
                                .replace("blob content does not match its digest", "content does not match its name"));
                    }
                    throw e;
                }
            }
        }

        StoreCommand.Failure tooBig(String name) {
            return new StoreCommand.Failure(describe() + ": " + name + " is larger than " + MAX_JSON + " bytes");
        }
    }

    /** An OCI layout (or unpacked docker-archive) directory. */
    private static final class DirArchive extends Archive {
        private final Path root;
        private final List<String> files = new ArrayList<>();

        DirArchive(Path root) throws IOException {
            this.root = root;
            try (Stream<Path> walk = Files.walk(root)) {
                for (Path p : (Iterable<Path>) walk::iterator) {
                    if (Files.isRegularFile(p)) {
                        files.add(root.relativize(p).toString().replace('\\', '/'));
                    }
                }
            }
        }

        @Override
        String describe() {
            return root.toString();
        }

        @Override
        boolean has(String name) {
            return Files.isRegularFile(root.resolve(name));
        }

        @Override
        byte[] read(String name) throws IOException, StoreCommand.Failure {
            Path p = root.resolve(name);
            if (Files.size(p) > MAX_JSON) {
                throw tooBig(name);
            }
            return Files.readAllBytes(p);
        }

        @Override
        List<String> files() {
            return files;
        }

        @Override
        Map<String, Blob> importFiles(Map<String, Digest> names, Store store) throws IOException, StoreCommand.Failure {
            Map<String, Blob> out = new LinkedHashMap<>();
            for (Map.Entry<String, Digest> e : names.entrySet()) {
                Digest expected = e.getValue();
                try (InputStream in = Files.newInputStream(root.resolve(e.getKey()))) {
                    out.put(e.getKey(), put(store, e.getKey(), in, expected));
                } catch (NoSuchFileException nf) {
                    throw new StoreCommand.Failure(root + ": " + e.getKey() + ": no such file");
                }
            }
            return out;
        }
    }

    /**
     * A tar (plain, gzip or zstd), read in two passes: the first lists its files and keeps the
     * metadata files, the second streams the wanted files into the store. Symlinks and hardlinks
     * to files of the archive (old docker-archives link identical layers) are followed.
     */
    private static final class TarArchive extends Archive {
        private final Path file;
        private final Map<String, Long> files = new TreeMap<>();
        private final Map<String, String> links = new TreeMap<>();
        private final Map<String, byte[]> metadata = new TreeMap<>();

        TarArchive(Path file) throws IOException, StoreCommand.Failure {
            this.file = file;
            try (TarArchiveInputStream tar = open()) {
                for (TarArchiveEntry e; (e = tar.getNextEntry()) != null;) {
                    String name = clean(e.getName());
                    if (e.isSymbolicLink()) {
                        String target = e.getLinkName().startsWith("/") ? e.getLinkName()
                                : parent(name) + "/" + e.getLinkName();
                        links.put(name, clean(target));
                    } else if (e.isLink()) {
                        links.put(name, clean(e.getLinkName()));
                    } else if (e.isFile()) {
                        files.put(name, e.getSize());
                        if (METADATA.contains(name)) {
                            if (e.getSize() > MAX_JSON) {
                                throw tooBig(name);
                            }
                            metadata.put(name, tar.readAllBytes());
                        }
                    }
                }
            } catch (IOException e) {
                throw new StoreCommand.Failure(file + ": not a readable tar archive: " + e.getMessage());
            }
            if (files.isEmpty()) {
                throw new StoreCommand.Failure(file + ": not a tar archive, or an empty one");
            }
        }

        private static String parent(String name) {
            int slash = name.lastIndexOf('/');
            return slash < 0 ? "" : name.substring(0, slash);
        }

        private TarArchiveInputStream open() throws IOException {
            BufferedInputStream in = new BufferedInputStream(Files.newInputStream(file), 64 * 1024);
            try {
                return new TarArchiveInputStream(Compression.detect(in).decompress(in));
            } catch (IOException | RuntimeException e) {
                in.close();
                throw e;
            }
        }

        /** The file a name stands for, following links (a bounded number of times). */
        private String real(String name) {
            String n = name;
            for (int i = 0; i < 40 && !files.containsKey(n) && links.containsKey(n); i++) {
                n = links.get(n);
            }
            return n;
        }

        @Override
        String describe() {
            return file.toString();
        }

        @Override
        boolean has(String name) {
            return files.containsKey(real(name));
        }

        @Override
        byte[] read(String name) throws IOException, StoreCommand.Failure {
            byte[] b = metadata.get(real(name));
            if (b == null) {
                throw new NoSuchFileException(file + ": " + name);
            }
            return b;
        }

        @Override
        List<String> files() {
            List<String> all = new ArrayList<>(files.keySet());
            for (String l : links.keySet()) {
                if (files.containsKey(real(l))) {
                    all.add(l);
                }
            }
            return all;
        }

        @Override
        Map<String, Blob> importFiles(Map<String, Digest> names, Store store) throws IOException, StoreCommand.Failure {
            // real name -> the names standing for it (and the digest one of them promises)
            Map<String, List<String>> byReal = new TreeMap<>();
            Map<String, Digest> expected = new TreeMap<>();
            for (Map.Entry<String, Digest> e : names.entrySet()) {
                String r = real(e.getKey());
                if (!files.containsKey(r)) {
                    throw new StoreCommand.Failure(file + ": " + e.getKey() + " is not in the archive");
                }
                byReal.computeIfAbsent(r, k -> new ArrayList<>()).add(e.getKey());
                if (e.getValue() != null) {
                    Digest prev = expected.put(r, e.getValue());
                    if (prev != null && !prev.equals(e.getValue())) {
                        throw new StoreCommand.Failure(file + ": " + e.getKey() + " links to " + r
                                + ", which cannot have both digests " + prev + " and " + e.getValue());
                    }
                }
            }
            Map<String, Blob> byRealBlob = new TreeMap<>();
            try (TarArchiveInputStream tar = open()) {
                for (TarArchiveEntry e; (e = tar.getNextEntry()) != null;) {
                    String name = clean(e.getName());
                    if (!e.isFile() || !byReal.containsKey(name) || byRealBlob.containsKey(name)) {
                        continue;
                    }
                    byRealBlob.put(name, put(store, name, tar, expected.get(name)));
                }
            }
            Map<String, Blob> out = new LinkedHashMap<>();
            for (Map.Entry<String, List<String>> e : byReal.entrySet()) {
                Blob b = byRealBlob.get(e.getKey());
                if (b == null) {
                    throw new StoreCommand.Failure(file + ": " + e.getKey() + " vanished from the archive while reading it");
                }
                for (String n : e.getValue()) {
                    out.put(n, b);
                }
            }
            return out;
        }
    }

    /** Copies standard input to a temp file (a tar must be read twice). */
    static Path spool(InputStream in, Path dir) throws IOException {
        Path tmp = Files.createTempFile(dir, "load-", ".tar");
        try (OutputStream out = Files.newOutputStream(tmp)) {
            in.transferTo(out);
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        return tmp;
    }
}
