package dev.jbuild.registry;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import okhttp3.Interceptor;

/**
 * How a {@link RegistryClient} reaches registries. Immutable; made with {@link #builder()}.
 *
 * <ul>
 *   <li>{@code insecureRegistries}: registries ({@code host[:port]}, or a CIDR such as {@code 10.0.0.0/8}) that
 *       may be reached over TLS without verifying their certificate, or over plain HTTP when they do not speak
 *       TLS. Loopback registries ({@code localhost}, 127.0.0.0/8, ::1) may always use plain HTTP, but a loopback
 *       registry that speaks TLS must present a trusted certificate unless it is listed here.
 *   <li>{@code caFile}: a PEM bundle of extra CA certificates trusted for every registry (besides the JVM's).
 *   <li>{@code certsDirectory}: docker's per-registry directory ({@code /etc/docker/certs.d}): in
 *       {@code DIR/HOST[:PORT]/}, {@code *.crt} are trusted CAs and {@code NAME.cert} with {@code NAME.key}
 *       a client certificate and key.
 *   <li>{@code dockerConfigDirectory}: where {@code config.json} is ({@code $DOCKER_CONFIG} or {@code ~/.docker}).
 *   <li>{@code credentials}: credentials given by the caller per registry ({@code host[:port]}, e.g. from Maven's
 *       {@code settings.xml}); they come before {@code config.json}'s.
 *   <li>{@code parallelism}: blobs transferred at once; {@code chunkSize}: the size of each PATCH of a chunked
 *       upload; {@code monolithicThreshold}: blobs up to this size are uploaded with one PUT.
 *   <li>{@code retryPolicy}: retries of idempotent steps; connect and read timeouts.
 *   <li>{@code interceptors}: okhttp application interceptors, for diagnostics and tests.
 * </ul>
 */
public final class RegistryOptions {
    /** docker's default per-registry certificate directory. */
    public static final Path DEFAULT_CERTS_DIRECTORY = Paths.get("/etc/docker/certs.d");

    private final Set<String> insecureRegistries;
    private final Path caFile;
    private final Path certsDirectory;
    private final Path dockerConfigDirectory;
    private final List<Path> credentialHelperPath;
    private final Map<String, Credentials> credentials;
    private final int parallelism;
    private final long chunkSize;
    private final long monolithicThreshold;
    private final RetryPolicy retryPolicy;
    private final Duration connectTimeout;
    private final Duration readTimeout;
    private final String userAgent;
    private final List<Interceptor> interceptors;
    private final ProgressListener progressListener;

    private RegistryOptions(Builder b) {
        this.insecureRegistries = Set.copyOf(b.insecureRegistries);
        this.caFile = b.caFile;
        this.certsDirectory = b.certsDirectory;
        this.dockerConfigDirectory = b.dockerConfigDirectory;
        this.credentialHelperPath = b.credentialHelperPath == null ? null : List.copyOf(b.credentialHelperPath);
        this.credentials = Map.copyOf(b.credentials);
        this.parallelism = b.parallelism;
        this.chunkSize = b.chunkSize;
        this.monolithicThreshold = b.monolithicThreshold;
        this.retryPolicy = b.retryPolicy;
        this.connectTimeout = b.connectTimeout;
        this.readTimeout = b.readTimeout;
        this.userAgent = b.userAgent;
        this.interceptors = List.copyOf(b.interceptors);
        this.progressListener = b.progressListener;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The defaults: docker's directories, 3 blobs at once, 16 MiB chunks, {@link RetryPolicy#DEFAULT}. */
    public static RegistryOptions defaults() {
        return builder().build();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.insecureRegistries.addAll(insecureRegistries);
        b.caFile = caFile;
        b.certsDirectory = certsDirectory;
        b.dockerConfigDirectory = dockerConfigDirectory;
        b.credentialHelperPath = credentialHelperPath;
        b.credentials.putAll(credentials);
        b.parallelism = parallelism;
        b.chunkSize = chunkSize;
        b.monolithicThreshold = monolithicThreshold;
        b.retryPolicy = retryPolicy;
        b.connectTimeout = connectTimeout;
        b.readTimeout = readTimeout;
        b.userAgent = userAgent;
        b.interceptors.addAll(interceptors);
        b.progressListener = progressListener;
        return b;
    }

    public Set<String> insecureRegistries() {
        return insecureRegistries;
    }

    /** Null when none. */
    public Path caFile() {
        return caFile;
    }

    public Path certsDirectory() {
        return certsDirectory;
    }

    public Path dockerConfigDirectory() {
        return dockerConfigDirectory;
    }

    /** Directories searched for {@code docker-credential-*}; null means PATH. */
    public List<Path> credentialHelperPath() {
        return credentialHelperPath;
    }

    /**
     * The caller's credentials for {@code registry} (matched as docker matches {@code config.json} keys: without
     * scheme and path, Docker Hub's names as one); empty when it gave none.
     */
    public Optional<Credentials> credentials(String registry) {
        String host = DockerConfig.hostOf(registry);
        for (Map.Entry<String, Credentials> e : credentials.entrySet()) {
            if (DockerConfig.sameHost(e.getKey(), host)) {
                return Optional.of(e.getValue());
            }
        }
        return Optional.empty();
    }

    /** Whether the caller gave credentials for any registry. */
    public boolean hasCredentials() {
        return !credentials.isEmpty();
    }

    public int parallelism() {
        return parallelism;
    }

    public long chunkSize() {
        return chunkSize;
    }

    public long monolithicThreshold() {
        return monolithicThreshold;
    }

    public RetryPolicy retryPolicy() {
        return retryPolicy;
    }

    public Duration connectTimeout() {
        return connectTimeout;
    }

    public Duration readTimeout() {
        return readTimeout;
    }

    public String userAgent() {
        return userAgent;
    }

    public List<Interceptor> interceptors() {
        return interceptors;
    }

    public ProgressListener progressListener() {
        return progressListener;
    }

    @Override
    public String toString() {
        return "RegistryOptions[insecure=" + insecureRegistries + ", caFile=" + caFile + ", certs.d=" + certsDirectory
                + ", dockerConfig=" + dockerConfigDirectory + ", credentials for=" + credentials.keySet() + ", parallelism=" + parallelism + ", chunkSize="
                + chunkSize + ", monolithicThreshold=" + monolithicThreshold + ", retry=" + retryPolicy + "]";
    }

    public static final class Builder {
        private final Set<String> insecureRegistries = new LinkedHashSet<>();
        private Path caFile;
        private Path certsDirectory = DEFAULT_CERTS_DIRECTORY;
        private Path dockerConfigDirectory = DockerConfig.defaultDir();
        private List<Path> credentialHelperPath;
        private final Map<String, Credentials> credentials = new LinkedHashMap<>();
        private int parallelism = 3;
        private long chunkSize = 16L * 1024 * 1024;
        private long monolithicThreshold = -1;
        private RetryPolicy retryPolicy = RetryPolicy.DEFAULT;
        private Duration connectTimeout = Duration.ofSeconds(30);
        private Duration readTimeout = Duration.ofMinutes(5);
        private String userAgent = "jbuild";
        private final List<Interceptor> interceptors = new ArrayList<>();
        private ProgressListener progressListener = ProgressListener.NONE;

        private Builder() {}

        /** A registry ({@code host[:port]}) or CIDR range whose TLS certificate is not verified. */
        public Builder insecureRegistry(String registry) {
            insecureRegistries.add(registry);
            return this;
        }

        public Builder insecureRegistries(java.util.Collection<String> registries) {
            insecureRegistries.addAll(registries);
            return this;
        }

        public Builder caFile(Path file) {
            this.caFile = file;
            return this;
        }

        public Builder certsDirectory(Path dir) {
            this.certsDirectory = dir;
            return this;
        }

        public Builder dockerConfigDirectory(Path dir) {
            this.dockerConfigDirectory = dir;
            return this;
        }

        public Builder credentialHelperPath(List<Path> dirs) {
            this.credentialHelperPath = dirs;
            return this;
        }

        /**
         * Credentials for {@code registry} ({@code host[:port]}; a scheme or path is ignored), used before
         * {@code config.json}'s; given again for the same registry, the last wins.
         */
        public Builder credentials(String registry, Credentials c) {
            String host = DockerConfig.hostOf(java.util.Objects.requireNonNull(registry, "registry").trim());
            if (host.isEmpty()) {
                throw new IllegalArgumentException("invalid registry \"" + registry + "\" for credentials");
            }
            credentials.put(host, java.util.Objects.requireNonNull(c, "credentials"));
            return this;
        }

        public Builder parallelism(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("parallelism must be at least 1, not " + n);
            }
            this.parallelism = n;
            return this;
        }

        public Builder chunkSize(long bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("chunk size must be positive, not " + bytes);
            }
            this.chunkSize = bytes;
            return this;
        }

        /** Blobs up to this size go in one PUT; larger ones in chunks. Defaults to the chunk size. */
        public Builder monolithicThreshold(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("monolithic threshold must not be negative, not " + bytes);
            }
            this.monolithicThreshold = bytes;
            return this;
        }

        public Builder retryPolicy(RetryPolicy policy) {
            this.retryPolicy = java.util.Objects.requireNonNull(policy);
            return this;
        }

        public Builder connectTimeout(Duration d) {
            this.connectTimeout = d;
            return this;
        }

        public Builder readTimeout(Duration d) {
            this.readTimeout = d;
            return this;
        }

        public Builder userAgent(String ua) {
            this.userAgent = ua;
            return this;
        }

        public Builder interceptor(Interceptor i) {
            interceptors.add(i);
            return this;
        }

        public Builder progressListener(ProgressListener l) {
            this.progressListener = l == null ? ProgressListener.NONE : l;
            return this;
        }

        public RegistryOptions build() {
            if (monolithicThreshold < 0) {
                monolithicThreshold = chunkSize;
            }
            return new RegistryOptions(this);
        }
    }
}
