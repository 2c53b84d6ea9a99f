package dev.jbuild.registry;

import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.Digest;
import dev.jbuild.oci.ImageConfig;
import dev.jbuild.oci.ImageIndex;
import dev.jbuild.oci.ImageReference;
import dev.jbuild.oci.Manifest;
import dev.jbuild.oci.MediaType;
import dev.jbuild.oci.OciJson;
import dev.jbuild.oci.Platform;
import dev.jbuild.oci.VerifyingInputStream;
import dev.jbuild.store.BlobStore;
import dev.jbuild.store.BlobWriter;
import dev.jbuild.store.Compression;
import dev.jbuild.store.Store;
import dev.jbuild.store.StoreLock;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.Request;
import okhttp3.Response;

/** Resolves and pulls images (see {@link RegistryClient#pull}). */
final class Puller {
    private final RegistryClient client;

    Puller(RegistryClient client) {
        this.client = client;
    }

    /** A manifest document as fetched and verified. */
    record Fetched(String mediaType, byte[] bytes, Digest digest) {
        Descriptor descriptor(Platform platform) {
            return new Descriptor(mediaType, digest, bytes.length).withPlatform(platform);
        }
    }

    /** What a reference resolves to for a platform. */
    record Resolved(Fetched manifest, Descriptor descriptor, Digest indexDigest) {}

    Resolved resolve(Session s, ImageReference ref, Platform platform) throws RegistryException {
        String reference = ref.digest() != null ? ref.digest().toString() : ref.tag();
        Fetched top = fetchManifest(s, reference, ref.digest());
        if (MediaType.isManifest(top.mediaType())) {
            return new Resolved(top, top.descriptor(null), null);
        }
        if (!MediaType.isIndex(top.mediaType())) {
            throw unsupported(s, "fetch manifest " + reference, top.mediaType());
        }
        ImageIndex index;
        try {
            index = OciJson.read(top.bytes(), ImageIndex.class);
        } catch (IllegalArgumentException e) {
            throw s.failures.of("read index " + reference, e.getMessage());
        }
        PlatformMatcher matcher = PlatformMatcher.only(platform);
        Optional<Descriptor> chosen = matcher.select(index.manifests());
        if (chosen.isPresent()) {
            Descriptor d = chosen.get();
            Fetched m = fetchManifest(s, d.digest().toString(), d.digest());
            if (!MediaType.isManifest(m.mediaType())) {
                throw unsupported(s, "fetch manifest " + d.digest() + " for " + d.platform(), m.mediaType());
            }
            return new Resolved(m, m.descriptor(d.platform()).withAnnotations(d.annotations()), top.digest());
        }
        // Manifests without a platform in the index: containerd reads their configs.
        for (Descriptor d : index.manifests()) {
            if (d.platform() != null || !MediaType.isManifest(d.mediaType())) {
                continue;
            }
            Fetched m = fetchManifest(s, d.digest().toString(), d.digest());
            Manifest mf = parseManifest(s, m);
            byte[] cfg = fetchSmallBlob(s, mf.config());
            try {
                Platform p = OciJson.read(cfg, ImageConfig.class).platform();
                if (matcher.matches(p)) {
                    return new Resolved(m, m.descriptor(p), top.digest());
                }
            } catch (IllegalArgumentException ignored) {
                // not an image config: not a candidate
            }
        }
        List<Platform> available = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (Descriptor d : index.manifests()) {
            if (d.platform() != null && !"unknown".equals(d.platform().os())) {
                available.add(d.platform());
                names.add(d.platform().format());
            }
        }
        String message = s.failures.operation() + ": no matching manifest for " + matcher.platform()
                + " in the manifest list entries (available: " + (names.isEmpty() ? "none" : String.join(", ", names))
                + ")";
        throw new NoMatchingPlatformException(message, s.failures.registry(), s.failures.repository(),
                "select platform", matcher.platform(), available);
    }

    private static RegistryException unsupported(Session s, String action, String mediaType) {
        if (mediaType != null && mediaType.startsWith(Manifests.SCHEMA1)) {
            return s.failures.of(action, "Docker schema 1 manifests are not supported (" + mediaType + ")");
        }
        return s.failures.of(action, "unsupported manifest media type \"" + mediaType + "\"");
    }

    /** GETs a manifest by tag or digest, checks its digest (the one asked for, and the registry's header). */
    Fetched fetchManifest(Session s, String reference, Digest expected) throws RegistryException {
        String action = "fetch manifest " + reference;
        Response r = s.send(action, () -> new Request.Builder().url(s.url("manifests/" + reference))
                .header("Accept", Manifests.ACCEPT).get(), true);
        if (!r.isSuccessful()) {
            throw s.failures.of(action, r);
        }
        byte[] bytes;
        String contentType = r.header("Content-Type");
        String headerDigest = r.header("Docker-Content-Digest");
        try (r; InputStream in = r.body().byteStream()) {
            bytes = in.readNBytes((int) Manifests.MAX_MANIFEST_SIZE + 1);
        } catch (IOException e) {
            throw s.failures.of(action, e);
        }
        if (bytes.length > Manifests.MAX_MANIFEST_SIZE) {
            throw s.failures.of(action, "the manifest is larger than " + Manifests.MAX_MANIFEST_SIZE + " bytes");
        }
        Digest computed = Manifests.digest(bytes, expected != null ? expected.algorithm() : "sha256");
        if (expected != null && !computed.equals(expected)) {
            throw s.failures.of(action, "content verification failed: expected " + expected + ", got " + computed);
        }
        if (headerDigest != null && !headerDigest.isBlank()) {
            try {
                Digest h = Digest.parse(headerDigest.trim());
                Digest mine = h.algorithm().equals(computed.algorithm()) ? computed
                        : Manifests.digest(bytes, h.algorithm());
                if (!h.equals(mine)) {
                    throw s.failures.of(action, "the registry says the manifest is " + h + " but its content is "
                            + mine);
                }
            } catch (IllegalArgumentException ignored) {
                // an algorithm we do not know: our own digest stands
            }
        }
        String mediaType;
        try {
            mediaType = Manifests.mediaType(bytes, contentType);
        } catch (IllegalArgumentException e) {
            throw s.failures.of(action, "invalid manifest: " + e.getMessage());
        }
        if (mediaType.startsWith(Manifests.SCHEMA1)) {
            throw unsupported(s, action, mediaType);
        }
        return new Fetched(mediaType, bytes, computed);
    }

    static Manifest parseManifest(Session s, Fetched m) throws RegistryException {
        try {
            return OciJson.read(m.bytes(), Manifest.class);
        } catch (IllegalArgumentException e) {
            throw s.failures.of("read manifest " + m.digest(), e.getMessage());
        }
    }

    /** A small blob (a config) into memory, verified. */
    private byte[] fetchSmallBlob(Session s, Descriptor d) throws RegistryException {
        if (d.size() > Manifests.MAX_MANIFEST_SIZE) {
            throw s.failures.of("fetch config " + d.digest(), "the config is larger than "
                    + Manifests.MAX_MANIFEST_SIZE + " bytes");
        }
        String action = "fetch blob " + d.digest();
        try (InputStream in = new VerifyingInputStream(new BlobInputStream(s, d, action, null), d)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw s.failures.of(action, e);
        }
    }

    @SuppressWarnings("try") // the store hold keeps prune away until the image is tagged/pushed
    PullResult pull(Session s, ImageReference ref, Platform platform, Store store) throws IOException {
        Resolved resolved = resolve(s, ref, platform);
        Fetched m = resolved.manifest();
        if (!m.digest().algorithm().equals("sha256")) {
            throw s.failures.of("store manifest", "only sha256 content can be stored, not " + m.digest());
        }
        Manifest manifest = parseManifest(s, m);
        String configType = manifest.config().mediaType();
        if (!MediaType.OCI_CONFIG.equals(configType) && !MediaType.DOCKER_CONFIG.equals(configType)) {
            throw s.failures.of("read manifest " + m.digest(), "not a container image (config media type \""
                    + configType + "\")");
        }
        BlobStore blobs = store.blobs();
        AtomicInteger downloaded = new AtomicInteger();
        AtomicInteger present = new AtomicInteger();
        AtomicLong bytes = new AtomicLong();
        try (StoreLock hold = store.lockShared()) {
            Map<Digest, Descriptor> wanted = new LinkedHashMap<>();
            wanted.put(manifest.config().digest(), manifest.config());
            for (Descriptor l : manifest.layers()) {
                wanted.putIfAbsent(l.digest(), l);
            }
            List<RegistryClient.Task> tasks = new ArrayList<>();
            for (Descriptor d : wanted.values()) {
                tasks.add(() -> {
                    if (blobs.has(d.digest()) && blobs.size(d.digest()) == d.size()) {
                        present.incrementAndGet();
                        client.listener().finished(d, ProgressListener.Outcome.EXISTS);
                        return;
                    }
                    bytes.addAndGet(download(s, d, blobs));
                    downloaded.incrementAndGet();
                    client.listener().finished(d, ProgressListener.Outcome.DOWNLOADED);
                });
            }
            client.runAll(tasks);

            ImageConfig config;
            try {
                config = OciJson.read(blobs.read(manifest.config().digest()), ImageConfig.class);
            } catch (IllegalArgumentException e) {
                throw s.failures.of("read config " + manifest.config().digest(), e.getMessage());
            }
            recordDiffIds(s, manifest, config, blobs);
            Digest stored = blobs.put(m.bytes());
            if (!stored.equals(m.digest())) {
                throw new IllegalStateException("stored manifest " + stored + " != " + m.digest());
            }
            BlobSources sources = BlobSources.of(store);
            for (Digest d : wanted.keySet()) {
                sources.record(d, ref.registry(), ref.repository());
            }
            sources.record(m.digest(), ref.registry(), ref.repository());
            store.images().tag(ref.toString(), m.digest());
            return new PullResult(ref, resolved.descriptor(), resolved.indexDigest(), manifest, config,
                    downloaded.get(), present.get(), bytes.get());
        }
    }

    /** Records each layer's diff-id from the config's rootfs; checks it for uncompressed layers. */
    private static void recordDiffIds(Session s, Manifest manifest, ImageConfig config, BlobStore blobs)
            throws IOException {
        List<Digest> diffIds = config.rootfs().diffIds();
        List<Descriptor> layers = manifest.layers();
        if (diffIds.size() != layers.size()) {
            throw s.failures.of("read config " + manifest.config().digest(), "the config lists " + diffIds.size()
                    + " diff_ids but the manifest has " + layers.size() + " layers");
        }
        for (int i = 0; i < layers.size(); i++) {
            Descriptor l = layers.get(i);
            if (!MediaType.isLayer(l.mediaType())) {
                continue;
            }
            Compression c;
            try {
                c = Compression.fromMediaType(l.mediaType());
            } catch (IllegalArgumentException e) {
                continue; // a layer type the store cannot unpack; no diff-id to record
            }
            if (c == Compression.NONE && !l.digest().equals(diffIds.get(i))) {
                throw s.failures.of("verify layer " + l.digest(), "an uncompressed layer must equal its diff_id "
                        + diffIds.get(i));
            }
            blobs.recordDiffId(l.digest(), diffIds.get(i));
        }
    }

    /** Streams a blob into the store, verifying it; returns the bytes transferred. */
    long download(Session s, Descriptor d, BlobStore blobs) throws IOException {
        String action = "fetch blob " + d.digest();
        if (!d.digest().algorithm().equals("sha256")) {
            throw s.failures.of(action, "only sha256 blobs can be stored");
        }
        client.listener().started(d);
        AtomicLong transferred = new AtomicLong();
        try (BlobWriter w = blobs.writer();
                BlobInputStream body = new BlobInputStream(s, d, action, n -> {
                    transferred.addAndGet(n);
                    client.listener().transferred(d, n);
                });
                InputStream in = new VerifyingInputStream(body, d)) {
            byte[] buf = new byte[128 * 1024];
            int n;
            while ((n = in.read(buf)) >= 0) {
                w.write(buf, 0, n);
            }
            w.commit(d.digest());
        } catch (VerifyingInputStream.VerificationException e) {
            throw s.failures.of(action, e.getMessage());
        } catch (RegistryException e) {
            throw e;
        } catch (IOException e) {
            throw s.failures.of(action, e);
        }
        return transferred.get();
    }

    /**
     * A blob's content over HTTP. A connection that breaks mid-body is reopened (as the retry policy allows)
     * with {@code Range: bytes=N-} from where it broke; a registry that ignores the range and sends the whole blob
     * again has the bytes already read skipped.
     */
    static final class BlobInputStream extends InputStream {
        private final Session s;
        private final Descriptor d;
        private final String action;
        private final java.util.function.LongConsumer progress;
        private final long start = System.nanoTime();
        private int failures;
        private long position;
        private Response response;
        private InputStream current;

        BlobInputStream(Session s, Descriptor d, String action, java.util.function.LongConsumer progress) {
            this.s = s;
            this.d = d;
            this.action = action;
            this.progress = progress;
        }

        private void open() throws IOException {
            long from = position;
            Response r = s.send(action, () -> {
                Request.Builder b = new Request.Builder().url(s.url("blobs/" + d.digest())).get();
                if (from > 0) {
                    b.header("Range", "bytes=" + from + "-");
                }
                return b;
            }, true);
            if (r.code() == 206 && from > 0) {
                String cr = r.header("Content-Range", "");
                if (!cr.startsWith("bytes " + from + "-")) {
                    r.close();
                    throw s.failures.of(action, "the registry answered the range " + from + "- with " + cr);
                }
            } else if (r.code() == 200) {
                if (from > 0) {
                    InputStream body = r.body().byteStream();
                    long toSkip = from;
                    byte[] skip = new byte[64 * 1024];
                    while (toSkip > 0) {
                        int n = body.read(skip, 0, (int) Math.min(skip.length, toSkip));
                        if (n < 0) {
                            r.close();
                            throw new java.io.EOFException("the blob ended at " + (from - toSkip) + " bytes");
                        }
                        toSkip -= n;
                    }
                }
            } else {
                throw s.failures.of(action, r);
            }
            response = r;
            current = r.body().byteStream();
        }

        @Override
        public int read() throws IOException {
            byte[] b = new byte[1];
            int n = read(b, 0, 1);
            return n < 0 ? -1 : b[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            while (true) {
                try {
                    if (current == null) {
                        open();
                    }
                    int n = current.read(b, off, len);
                    if (n < 0 && position < d.size()) {
                        throw new java.io.EOFException("the connection ended after " + position + " of " + d.size()
                                + " bytes");
                    }
                    if (n > 0) {
                        position += n;
                        if (progress != null) {
                            progress.accept(n);
                        }
                    }
                    return n;
                } catch (RegistryException e) {
                    throw e;
                } catch (IOException e) {
                    closeCurrent();
                    failures++;
                    Duration wait = Transport.waitBefore(s.policy(), failures, start, null);
                    if (wait == null) {
                        throw e;
                    }
                    Transport.sleep(wait);
                }
            }
        }

        private void closeCurrent() {
            if (response != null) {
                response.close();
            }
            response = null;
            current = null;
        }

        @Override
        public void close() {
            closeCurrent();
        }
    }
}
