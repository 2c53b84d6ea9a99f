package dev.jbuild.registry;

import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.Digest;
import dev.jbuild.oci.ImageReference;
import dev.jbuild.oci.Platform;
import dev.jbuild.store.Store;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.HttpUrl;

/**
 * The OCI distribution client: pulls images into a {@link Store} and pushes them from it, as docker and
 * containerd do.
 *
 * <ul>
 *   <li>Pull accepts OCI manifests and indexes and Docker schema 2 manifests and manifest lists, chooses an index's
 *       manifest for the platform with containerd's rules ({@link PlatformMatcher}), fetches up to
 *       {@code parallelism} blobs at once, verifies every blob while streaming it into the store, skips blobs the
 *       store has, records layer diff-ids from the config, and tags the manifest.
 *   <li>Push skips blobs the repository has, mounts blobs known to be in another repository of the registry
 *       ({@link BlobSources}), uploads the others in parallel (one PUT up to the monolithic threshold, else PATCH
 *       chunks, resuming from the registry's offset after a broken connection), and PUTs the manifest only once
 *       every blob is confirmed, then under each tag.
 *   <li>Credentials come from docker's {@code config.json} ({@link DockerConfig}); Basic and Bearer token
 *       authentication; TLS as docker sets it up ({@link RegistryOptions}).
 * </ul>
 *
 * Thread-safe; one client may serve many operations at once. Every failure is a {@link RegistryException}.
 */
public final class RegistryClient implements AutoCloseable {
    private final RegistryOptions options;
    private final Transport transport;
    private final Redactor redactor = new Redactor();
    private final Auth auth;
    private final ExecutorService executor;
    private final Puller puller = new Puller(this);
    private final Pusher pusher = new Pusher(this);

    public RegistryClient(RegistryOptions options) {
        this.options = options;
        this.transport = new Transport(options);
        this.auth = new Auth(transport, new ConfigCredentials(options), redactor);
        AtomicInteger n = new AtomicInteger();
        ThreadFactory tf = r -> {
            Thread t = new Thread(r, "jbuild-registry-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        this.executor = Executors.newFixedThreadPool(options.parallelism(), tf);
    }

    /**
     * Does, on the calling thread, the JDK's one-time set-up that a JVM's first registry request pays: OkHttp's
     * platform check lists the security providers, which loads every one of them (~20 ms of CPU), and its URL
     * parser canonicalizes hosts with the JDK's IDN tables. A command that will talk to a registry calls this on a
     * thread of its own while it parses its input; the client then finds it done. Nothing here can fail a later
     * request or change what it does.
     */
    public static void warmUpJdk() {
        java.security.Security.getProviders();
        HttpUrl.get("http://localhost/");
        java.net.ProxySelector.getDefault();
    }

    /** A client with {@link RegistryOptions#defaults()}. */
    public static RegistryClient create() {
        return new RegistryClient(RegistryOptions.defaults());
    }

    public RegistryOptions options() {
        return options;
    }

    ProgressListener listener() {
        return options.progressListener();
    }

    /**
     * The manifest {@code ref} names for {@code platform} (chosen from an index when it names one), without
     * pulling anything but the manifest documents: for {@code --pull} checks against a local tag, whose target
     * is the manifest {@link #pull} stored. Its platform is set when chosen from an index.
     */
    public Descriptor resolve(ImageReference ref, Platform platform) throws IOException {
        Session s = session("resolve " + ref, ref.registry(), ref.repository(),
                List.of(Session.pullScope(ref.repository())));
        return puller.resolve(s, ref, platform).descriptor();
    }

    /**
     * Pulls the image {@code ref} names for {@code platform} into the store: manifest (the platform's, when
     * {@code ref} names an index), config and layers, each verified; then tags the manifest as
     * {@code ref.toString()}. A single-platform image is pulled whatever its platform (see
     * {@link PullResult#platform()}). {@link NoMatchingPlatformException} when an index has no manifest for it.
     */
    public PullResult pull(ImageReference ref, Platform platform, Store store) throws IOException {
        Session s = session("pull " + ref, ref.registry(), ref.repository(),
                List.of(Session.pullScope(ref.repository())));
        return puller.pull(s, ref, platform, store);
    }

    /** A manifest or index as a registry serves it, verified against its digest. */
    public record ManifestDocument(String mediaType, byte[] bytes, Digest digest) {}

    /**
     * The manifest or index {@code ref} names, as it is (no platform is chosen): for artifacts that are not images,
     * such as a build cache, whose blobs the caller then fetches one by one with {@link #fetchBlob}.
     */
    public ManifestDocument manifest(ImageReference ref) throws IOException {
        Session s = session("fetch " + ref, ref.registry(), ref.repository(),
                List.of(Session.pullScope(ref.repository())));
        String reference = ref.digest() != null ? ref.digest().toString() : ref.tag();
        Puller.Fetched f = puller.fetchManifest(s, reference, ref.digest());
        return new ManifestDocument(f.mediaType(), f.bytes(), f.digest());
    }

    /**
     * Downloads one blob of {@code repository} into the store (verified; a no-op when the store has it): the lazy
     * half of a cache import, which fetches a layer only when a step needs its bytes.
     */
    public void fetchBlob(ImageReference repository, Descriptor blob, Store store) throws IOException {
        if (store.blobs().has(blob.digest()) && store.blobs().size(blob.digest()) == blob.size()) {
            return;
        }
        Session s = session("fetch " + repository.name() + "@" + blob.digest(), repository.registry(),
                repository.repository(), List.of(Session.pullScope(repository.repository())));
        puller.download(s, blob, store.blobs());
    }

    /**
     * Pushes the manifest or index {@code manifestDigest} of the store, with every manifest, config and layer it
     * references, to {@code target}'s repository, under {@code target}'s tag (by digest only when it has none).
     */
    public PushResult push(ImageReference target, Digest manifestDigest, Store store) throws IOException {
        return push(target, target.tag() == null ? List.of() : List.of(target.tag()), manifestDigest, store);
    }

    /** As {@link #push(ImageReference, Digest, Store)}, under each of {@code tags} (blobs are sent once). */
    public PushResult push(ImageReference target, List<String> tags, Digest manifestDigest, Store store)
            throws IOException {
        for (String t : tags) {
            target.withTag(t); // validates the tag
        }
        String label = "push " + target.name() + (tags.isEmpty() ? "@" + manifestDigest : ":" + String.join(",", tags));
        Session s = session(label, target.registry(), target.repository(),
                List.of(Session.pushScope(target.repository())));
        return pusher.push(s, target, tags, manifestDigest, store);
    }

    /**
     * Checks credentials against a registry as {@code docker login} does (a token from its token service, or
     * Basic on {@code /v2/}); a {@link RegistryException} with status 401 when they are refused. Storing them is
     * the caller's business ({@link DockerConfig#store}).
     */
    public void login(String registry, Credentials credentials) throws IOException {
        Redactor r = redactor;
        r.add(credentials);
        Auth loginAuth = new Auth(transport, new Auth.CredentialSource() {
            @Override
            public Optional<Credentials> credentials(String reg) {
                return Optional.of(credentials);
            }

            @Override
            public String describe() {
                return "the login";
            }
        }, r);
        Failures f = new Failures("login " + registry, registry, null, r, loginAuth);
        Transport.Endpoint ep = transport.endpoint(registry, f);
        loginAuth.learn(registry, ep.challenges());
        loginAuth.login(ep, f);
    }

    private Session session(String operation, String registry, String repository, List<String> scopes)
            throws RegistryException {
        Failures f = new Failures(operation, registry, repository, redactor, auth);
        Transport.Endpoint ep = transport.endpoint(registry, f);
        auth.learn(registry, ep.challenges());
        return new Session(transport, auth, ep, repository, f, scopes);
    }

    /** A unit of parallel work. */
    interface Task {
        void run() throws IOException;
    }

    /**
     * Runs the tasks on the client's pool, at most {@code parallelism} at once, and waits for all of them; the
     * first failure is thrown with the others suppressed.
     */
    void runAll(List<Task> tasks) throws IOException {
        if (tasks.size() == 1) {
            tasks.get(0).run();
            return;
        }
        List<Future<?>> futures = new ArrayList<>();
        for (Task t : tasks) {
            futures.add(executor.submit(() -> {
                try {
                    t.run();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                return null;
            }));
        }
        IOException first = null;
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (InterruptedException e) {
                futures.forEach(x -> x.cancel(true));
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted");
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                IOException io = c instanceof UncheckedIOException u ? u.getCause()
                        : c instanceof IOException i ? i : null;
                if (io == null) {
                    if (c instanceof RuntimeException re) {
                        throw re;
                    }
                    if (c instanceof Error err) {
                        throw err;
                    }
                    io = new IOException(c);
                }
                if (first == null) {
                    first = io;
                } else if (first != io) {
                    first.addSuppressed(io);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
        transport.close();
    }

    @Override
    public String toString() {
        return "RegistryClient[" + options + "]";
    }

    /** Credentials from docker's config.json, read once per client. */
    private static final class ConfigCredentials implements Auth.CredentialSource {
        private final RegistryOptions options;
        private DockerConfig config;

        ConfigCredentials(RegistryOptions options) {
            this.options = options;
        }

        @Override
        public synchronized Optional<Credentials> credentials(String registry) throws IOException {
            Optional<Credentials> given = options.credentials(registry);
            if (given.isPresent()) {
                return given;
            }
            if (config == null) {
                config = DockerConfig.load(options.dockerConfigDirectory(), options.credentialHelperPath());
            }
            return config.credentials(registry);
        }

        @Override
        public String describe() {
            String file = options.dockerConfigDirectory().resolve("config.json").toString();
            return options.hasCredentials() ? "the given credentials or " + file : file;
        }
    }
}
