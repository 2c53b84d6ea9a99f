package dev.jbuild.registry;

import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.Digest;
import dev.jbuild.oci.ImageIndex;
import dev.jbuild.oci.ImageReference;
import dev.jbuild.oci.Manifest;
import dev.jbuild.oci.MediaType;
import dev.jbuild.oci.OciJson;
import dev.jbuild.store.BlobStore;
import dev.jbuild.store.Store;
import dev.jbuild.store.StoreLock;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import okhttp3.HttpUrl;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSink;

/** Pushes images from the store (see {@link RegistryClient#push}). */
final class Pusher {
    private static final okhttp3.MediaType OCTET_STREAM = okhttp3.MediaType.get("application/octet-stream");
    private static final int IO_BUFFER = 128 * 1024;

    private final RegistryClient client;

    Pusher(RegistryClient client) {
        this.client = client;
    }

    /** A manifest or index to PUT: its bytes as stored, its media type. */
    private record Doc(Digest digest, String mediaType, byte[] bytes) {}

    /** The counters of one push. */
    private static final class Counts {
        final AtomicInteger uploaded = new AtomicInteger();
        final AtomicInteger mounted = new AtomicInteger();
        final AtomicInteger existing = new AtomicInteger();
        final AtomicLong bytes = new AtomicLong();
    }

    @SuppressWarnings("try") // the store hold keeps prune away until the image is tagged/pushed
    PushResult push(Session s, ImageReference target, List<String> tags, Digest digest, Store store)
            throws IOException {
        BlobStore blobs = store.blobs();
        try (StoreLock hold = store.lockShared()) {
            Doc top = readDoc(s, blobs, digest, "the image to push");
            List<Doc> children = new ArrayList<>();
            List<Manifest> manifests = new ArrayList<>();
            if (MediaType.isIndex(top.mediaType())) {
                ImageIndex index;
                try {
                    index = OciJson.read(top.bytes(), ImageIndex.class);
                } catch (IllegalArgumentException e) {
                    throw s.failures.of("read index " + digest, e.getMessage());
                }
                for (Descriptor d : index.manifests()) {
                    Doc child = readDoc(s, blobs, d.digest(), "manifest " + d.digest() + " of index " + digest);
                    if (!MediaType.isManifest(child.mediaType())) {
                        throw s.failures.of("read index " + digest, "nested index " + d.digest()
                                + " is not supported");
                    }
                    children.add(child);
                    manifests.add(parse(s, child));
                }
            } else if (MediaType.isManifest(top.mediaType())) {
                manifests.add(parse(s, top));
            } else {
                throw s.failures.of("read manifest " + digest, "unsupported media type \"" + top.mediaType() + "\"");
            }

            Map<Digest, Descriptor> wanted = new LinkedHashMap<>();
            for (Manifest m : manifests) {
                wanted.putIfAbsent(m.config().digest(), m.config());
                for (Descriptor l : m.layers()) {
                    wanted.putIfAbsent(l.digest(), l);
                }
            }
            BlobSources known = BlobSources.of(store);
            for (Descriptor d : wanted.values()) {
                if (!blobs.has(d.digest())) {
                    // A blob another repository of this registry holds (an imported build cache's layer, never
                    // downloaded) is mounted from there rather than downloaded to be uploaded again.
                    if (known.sources(d.digest()).stream().anyMatch(src -> src.registry().equals(target.registry()))) {
                        continue;
                    }
                    throw s.failures.of("push blob " + d.digest(), "the blob is not in the local store");
                }
                if (blobs.size(d.digest()) != d.size()) {
                    throw s.failures.of("push blob " + d.digest(), "the stored blob has " + blobs.size(d.digest())
                            + " bytes, its descriptor says " + d.size());
                }
            }

            Counts counts = new Counts();
            BlobSources sources = BlobSources.of(store);
            List<RegistryClient.Task> tasks = new ArrayList<>();
            for (Descriptor d : wanted.values()) {
                tasks.add(() -> {
                    pushBlob(s, target, d, blobs, sources, counts);
                    sources.record(d.digest(), target.registry(), target.repository());
                });
            }
            client.runAll(tasks);

            // Every blob is confirmed: the manifests, then the top-level document under each tag.
            for (Doc c : children) {
                putManifest(s, c, c.digest().toString());
            }
            if (tags.isEmpty()) {
                putManifest(s, top, digest.toString());
            } else {
                for (String tag : tags) {
                    putManifest(s, top, tag);
                }
            }
            for (Doc c : children) {
                sources.record(c.digest(), target.registry(), target.repository());
            }
            sources.record(digest, target.registry(), target.repository());
            ImageReference pushed = new ImageReference(target.registry(), target.repository(), null, digest);
            return new PushResult(pushed, new Descriptor(top.mediaType(), digest, top.bytes().length), tags,
                    counts.uploaded.get(), counts.mounted.get(), counts.existing.get(), counts.bytes.get());
        }
    }

    private static Doc readDoc(Session s, BlobStore blobs, Digest d, String what) throws RegistryException {
        if (!blobs.has(d)) {
            throw s.failures.of("read " + what, d + " is not in the local store");
        }
        try {
            byte[] bytes = blobs.read(d);
            return new Doc(d, Manifests.mediaType(bytes, null), bytes);
        } catch (IllegalArgumentException e) {
            throw s.failures.of("read " + what, d + " is not a manifest: " + e.getMessage());
        } catch (IOException e) {
            throw s.failures.of("read " + what, e);
        }
    }

    private static Manifest parse(Session s, Doc d) throws RegistryException {
        try {
            return OciJson.read(d.bytes(), Manifest.class);
        } catch (IllegalArgumentException e) {
            throw s.failures.of("read manifest " + d.digest(), e.getMessage());
        }
    }

    private void putManifest(Session s, Doc doc, String reference) throws RegistryException {
        String action = "put manifest " + reference;
        okhttp3.MediaType ct = okhttp3.MediaType.get(doc.mediaType());
        Response r = s.send(action, () -> new Request.Builder().url(s.url("manifests/" + reference))
                .put(RequestBody.create(doc.bytes(), ct)), true);
        try (r) {
            if (r.code() != 201 && r.code() != 200 && r.code() != 202) {
                throw s.failures.of(action, r);
            }
            String dcd = r.header("Docker-Content-Digest");
            if (dcd != null && !dcd.isBlank() && !dcd.trim().equals(doc.digest().toString())) {
                throw s.failures.of(action, "the registry stored the manifest as " + dcd.trim() + ", not "
                        + doc.digest());
            }
        }
    }

    private void pushBlob(Session s, ImageReference target, Descriptor d, BlobStore blobs, BlobSources sources,
            Counts counts) throws IOException {
        ProgressListener listener = client.listener();
        String check = "check blob " + d.digest();
        try (Response r = s.send(check, () -> new Request.Builder().url(s.url("blobs/" + d.digest())).head(), true)) {
            if (r.code() == 200) {
                counts.existing.incrementAndGet();
                listener.finished(d, ProgressListener.Outcome.EXISTS);
                return;
            }
            if (r.code() != 404) {
                throw s.failures.of(check, r);
            }
        }
        listener.started(d);
        HttpUrl location = null;
        int tried = 0;
        for (BlobSources.Source src : sources.sources(d.digest())) {
            if (!src.registry().equals(target.registry()) || src.repository().equals(target.repository())
                    || tried++ >= 3) {
                continue;
            }
            String action = "mount blob " + d.digest() + " from " + src.repository();
            List<String> scopes = List.of(Session.pushScope(target.repository()), Session.pullScope(src.repository()));
            HttpUrl url = s.url("blobs/uploads/").newBuilder().addQueryParameter("mount", d.digest().toString())
                    .addQueryParameter("from", src.repository()).build();
            Response r = s.send(action, () -> new Request.Builder().url(url).post(RequestBody.create(new byte[0])),
                    scopes, true);
            if (r.code() == 201) {
                r.close();
                counts.mounted.incrementAndGet();
                listener.finished(d, ProgressListener.Outcome.MOUNTED);
                return;
            }
            if (r.code() == 202) {
                location = location(r, null);
                r.close();
                break;
            }
            if (r.code() == 401 || r.code() == 403 || r.code() == 404) {
                r.close(); // no rights on the source (or no such repository): upload instead
                continue;
            }
            throw s.failures.of(action, r);
        }
        if (!blobs.has(d.digest())) {
            // (an upload session a refused mount opened is left to the registry's purge of stale uploads)
            throw s.failures.of("push blob " + d.digest(), "the blob is not in the local store, and no repository of "
                    + target.registry() + " that held it would mount it");
        }
        upload(s, d, blobs.path(d.digest()), location, counts);
        counts.uploaded.incrementAndGet();
        listener.finished(d, ProgressListener.Outcome.UPLOADED);
    }

    private HttpUrl startUpload(Session s, Descriptor d) throws RegistryException {
        String action = "start upload of blob " + d.digest();
        Response r = s.send(action, () -> new Request.Builder().url(s.url("blobs/uploads/"))
                .post(RequestBody.create(new byte[0])), true);
        if (r.code() != 202) {
            throw s.failures.of(action, r);
        }
        try (r) {
            return location(r, action, s);
        }
    }

    private static HttpUrl location(Response r, HttpUrl fallback) {
        String loc = r.header("Location");
        if (loc == null || loc.isBlank()) {
            return fallback;
        }
        HttpUrl u = r.request().url().resolve(loc.trim());
        return u != null ? u : fallback;
    }

    private static HttpUrl location(Response r, String action, Session s) throws RegistryException {
        HttpUrl u = location(r, null);
        if (u == null) {
            throw s.failures.of(action, "the registry gave no upload location");
        }
        return u;
    }

    /** The upload session was lost (unknown or invalid upload, or a broken final step): start a new one. */
    private static final class Restart extends Exception {
        private static final long serialVersionUID = 1L;

        Restart(String message, Throwable cause) {
            super(message, cause, false, false);
        }
    }

    private void upload(Session s, Descriptor d, Path file, HttpUrl location, Counts counts) throws IOException {
        RetryPolicy policy = s.policy();
        long start = System.nanoTime();
        HttpUrl loc = location;
        for (int attempt = 1;; attempt++) {
            if (loc == null) {
                loc = startUpload(s, d);
            }
            try {
                if (d.size() <= client.options().monolithicThreshold()) {
                    monolithic(s, d, file, loc, counts);
                } else {
                    chunked(s, d, file, loc, counts);
                }
                return;
            } catch (Restart e) {
                Duration wait = Transport.waitBefore(policy, attempt, start, null);
                if (wait == null) {
                    Throwable c = e.getCause();
                    if (c instanceof RegistryException re) {
                        throw re;
                    }
                    throw s.failures.of("upload blob " + d.digest(), c instanceof IOException io ? io
                            : new IOException(e.getMessage()));
                }
                Transport.sleep(wait);
                loc = null;
            }
        }
    }

    private void monolithic(Session s, Descriptor d, Path file, HttpUrl loc, Counts counts)
            throws IOException, Restart {
        String action = "upload blob " + d.digest();
        HttpUrl put = loc.newBuilder().addQueryParameter("digest", d.digest().toString()).build();
        Response r;
        try {
            r = s.exchange(action, () -> new Request.Builder().url(put)
                    .put(fileRange(file, 0, d.size(), progress(d, counts))), s.scopes, false);
        } catch (RegistryException e) {
            throw e;
        } catch (IOException e) {
            throw new Restart("connection failed", e);
        }
        try (r) {
            if (r.code() == 201) {
                checkDigestHeader(s, action, r, d);
                return;
            }
            if (r.code() == 429 || r.code() >= 500) {
                throw new Restart("HTTP " + r.code(), s.failures.of(action, r));
            }
            throw s.failures.of(action, r);
        }
    }

    private void chunked(Session s, Descriptor d, Path file, HttpUrl location, Counts counts)
            throws IOException, Restart {
        String action = "upload blob " + d.digest();
        long chunk = client.options().chunkSize();
        long size = d.size();
        long offset = 0;
        boolean resumed = false;
        HttpUrl loc = location;
        while (offset < size) {
            long from = offset;
            long n = Math.min(chunk, size - from);
            HttpUrl patchUrl = loc;
            Response r;
            try {
                r = s.exchange(action, () -> new Request.Builder().url(patchUrl)
                        .header("Content-Range", from + "-" + (from + n - 1))
                        .patch(fileRange(file, from, n, progress(d, counts))), s.scopes, false);
            } catch (RegistryException e) {
                throw e;
            } catch (IOException e) {
                // The connection broke mid-PATCH: ask the registry how much it has, and go on from there.
                UploadStatus st = status(s, d, loc, e);
                offset = st.offset();
                loc = st.location();
                resumed = true;
                continue;
            }
            int code = r.code();
            if (code == 202) {
                HttpUrl next = location(r, loc);
                long end = rangeEnd(r.header("Range"));
                r.close();
                loc = next;
                offset = end >= 0 ? end + 1 : from + n;
                if (offset != from + n) {
                    resumed = true;
                }
                continue;
            }
            if (code == 416 || code == 429 || code >= 500) {
                RegistryException err = s.failures.of(action, r);
                if (code != 416) {
                    Duration wait = Transport.waitBefore(s.policy(), 1, System.nanoTime(), null);
                    Transport.sleep(wait == null ? Duration.ZERO : wait);
                }
                UploadStatus st = status(s, d, loc, err);
                offset = st.offset();
                loc = st.location();
                resumed = true;
                continue;
            }
            RegistryException err = s.failures.of(action, r);
            if (code == 404 || code == 400 && "BLOB_UPLOAD_INVALID".equals(err.errorCode())) {
                // the registry lost the upload, or (distribution) cancelled it when our offset and its size differ
                throw new Restart("upload lost", err);
            }
            throw err;
        }
        HttpUrl put = loc.newBuilder().addQueryParameter("digest", d.digest().toString()).build();
        String finish = "finish upload of blob " + d.digest();
        Response r;
        try {
            r = s.exchange(finish, () -> new Request.Builder().url(put).put(RequestBody.create(new byte[0])),
                    s.scopes, false);
        } catch (RegistryException e) {
            throw e;
        } catch (IOException e) {
            if (exists(s, d)) {
                return;
            }
            throw new Restart("connection failed", e);
        }
        try (r) {
            if (r.code() == 201) {
                checkDigestHeader(s, finish, r, d);
                return;
            }
            if (r.code() == 404 || r.code() == 429 || r.code() >= 500 || r.code() == 400 && resumed) {
                // After a resume the registry may hold a different byte count than it reported (distribution
                // reports 0-0 for both 0 and 1 bytes): a digest mismatch then means start again.
                throw new Restart("HTTP " + r.code(), s.failures.of(finish, r));
            }
            throw s.failures.of(finish, r);
        }
    }

    private record UploadStatus(long offset, HttpUrl location) {}

    /** GET on the upload: the offset the registry has and the location to go on with; Restart when it is gone. */
    private UploadStatus status(Session s, Descriptor d, HttpUrl loc, Exception cause) throws IOException, Restart {
        String action = "get upload status of blob " + d.digest();
        Response r;
        try {
            r = s.exchange(action, () -> new Request.Builder().url(loc).get(), s.scopes, true);
        } catch (RegistryException e) {
            throw e;
        } catch (IOException e) {
            e.addSuppressed(cause);
            throw new Restart("upload status unavailable", e);
        }
        try (r) {
            if (r.code() == 204 || r.code() == 200) {
                long end = rangeEnd(r.header("Range"));
                return new UploadStatus(end < 0 ? 0 : end + 1, location(r, loc));
            }
            if (r.code() == 404 || r.code() == 400) {
                // distribution cancels an upload whose size no longer matches the state in our URL
                throw new Restart("upload lost", s.failures.of(action, r));
            }
            throw s.failures.of(action, r);
        }
    }

    /**
     * The end of a {@code Range: 0-N} header (also {@code bytes=0-N}); -1 when absent or empty. distribution
     * reports {@code 0-0} for an empty upload too, which is read as nothing received.
     */
    static long rangeEnd(String range) {
        if (range == null || range.isBlank()) {
            return -1;
        }
        String v = range.trim();
        if (v.startsWith("bytes=")) {
            v = v.substring(6);
        }
        int dash = v.indexOf('-');
        if (dash < 0) {
            return -1;
        }
        try {
            long startRange = Long.parseLong(v.substring(0, dash).trim());
            long end = Long.parseLong(v.substring(dash + 1).trim());
            if (startRange != 0 || end <= 0) {
                return -1;
            }
            return end;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private boolean exists(Session s, Descriptor d) {
        try (Response r = s.send("check blob " + d.digest(), () -> new Request.Builder()
                .url(s.url("blobs/" + d.digest())).head(), true)) {
            return r.code() == 200;
        } catch (RegistryException e) {
            return false;
        }
    }

    private static void checkDigestHeader(Session s, String action, Response r, Descriptor d)
            throws RegistryException {
        String dcd = r.header("Docker-Content-Digest");
        if (dcd != null && !dcd.isBlank() && !dcd.trim().equals(d.digest().toString())) {
            throw s.failures.of(action, "the registry stored the blob as " + dcd.trim() + ", not " + d.digest());
        }
    }

    private LongConsumer progress(Descriptor d, Counts counts) {
        ProgressListener l = client.listener();
        return n -> {
            counts.bytes.addAndGet(n);
            l.transferred(d, n);
        };
    }

    /** A one-shot body of {@code length} bytes of {@code file} from {@code offset}. */
    static RequestBody fileRange(Path file, long offset, long length, LongConsumer progress) {
        return new RequestBody() {
            @Override
            public okhttp3.MediaType contentType() {
                return OCTET_STREAM;
            }

            @Override
            public long contentLength() {
                return length;
            }

            @Override
            public boolean isOneShot() {
                return true;
            }

            @Override
            public void writeTo(BufferedSink sink) throws IOException {
                try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                    ch.position(offset);
                    ByteBuffer buf = ByteBuffer.allocate(IO_BUFFER);
                    long left = length;
                    while (left > 0) {
                        buf.clear();
                        buf.limit((int) Math.min(buf.capacity(), left));
                        int n = ch.read(buf);
                        if (n < 0) {
                            throw new java.io.EOFException(file + " ended before " + (offset + length) + " bytes");
                        }
                        buf.flip();
                        while (buf.hasRemaining()) {
                            sink.write(buf);
                        }
                        left -= n;
                        progress.accept(n);
                    }
                }
            }
        };
    }
}
