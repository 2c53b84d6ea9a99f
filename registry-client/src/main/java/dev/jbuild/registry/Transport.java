package dev.jbuild.registry;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLException;
import javax.net.ssl.X509TrustManager;
import okhttp3.ConnectionPool;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * HTTP to registries: one okhttp client per host with that host's TLS material (docker's certs.d conventions
 * and the CA file), the choice between HTTPS and plain HTTP (only for loopback and insecure registries), and the
 * API endpoint of each registry, found by a {@code GET /v2/} ping.
 */
final class Transport implements AutoCloseable {
    static final String DOCKER_HUB_API = "registry-1.docker.io";
    /** How long the probes of a loopback or insecure registry (plain HTTP, then TLS) wait for an answer. */
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(10);

    /** A registry's API base ({@code scheme://host[:port]/}) and the client to reach it with. */
    record Endpoint(String registry, HttpUrl base, OkHttpClient client, List<String> challenges,
            boolean plainHttpRefused, boolean registryAnswer) {
        HttpUrl v2(String path) {
            return HttpUrl.get(base + "v2/" + path);
        }

        boolean plainHttp() {
            return !base.isHttps();
        }
    }

    private final RegistryOptions options;
    /** The JVM's CAs, loaded when a handshake first needs them (see {@link LazyTls}). */
    private static final X509TrustManager SYSTEM_TRUST = new LazyTls.SystemTrustManager();

    private final OkHttpClient base;
    private final Map<String, OkHttpClient> clients = new ConcurrentHashMap<>();
    private final Map<String, Endpoint> endpoints = new ConcurrentHashMap<>();
    private final Map<String, Object> locks = new ConcurrentHashMap<>();
    private volatile List<X509Certificate> caFileCerts;

    Transport(RegistryOptions options) {
        this.options = options;
        OkHttpClient.Builder b = new OkHttpClient.Builder()
                .connectTimeout(options.connectTimeout())
                .readTimeout(options.readTimeout())
                .writeTimeout(options.readTimeout())
                .connectionPool(new ConnectionPool(Math.max(5, options.parallelism() * 2), 2, TimeUnit.MINUTES))
                .followRedirects(true)
                .followSslRedirects(true)
                .sslSocketFactory(new LazyTls.SocketFactory(() -> Tls.socketFactory(SYSTEM_TRUST, null)),
                        SYSTEM_TRUST)
                .addInterceptor(chain -> chain.proceed(chain.request().newBuilder()
                        .header("User-Agent", options.userAgent()).build()));
        for (okhttp3.Interceptor i : options.interceptors()) {
            b.addInterceptor(i);
        }
        this.base = b.build();
    }

    RegistryOptions options() {
        return options;
    }

    /** The API host of a registry: Docker Hub's is {@value #DOCKER_HUB_API}. */
    static String apiHost(String registry) {
        return registry.equals("docker.io") || registry.equals("index.docker.io") ? DOCKER_HUB_API : registry;
    }

    /** The host of {@code host[:port]} (brackets of an IPv6 literal removed). */
    static String hostPart(String hostPort) {
        if (hostPort.startsWith("[")) {
            int end = hostPort.indexOf(']');
            return end < 0 ? hostPort : hostPort.substring(1, end);
        }
        int colon = hostPort.indexOf(':');
        return colon < 0 ? hostPort : hostPort.substring(0, colon);
    }

    static boolean isLoopback(String hostPort) {
        String h = hostPart(hostPort).toLowerCase(Locale.ROOT);
        if (h.equals("localhost") || h.endsWith(".localhost")) {
            return true;
        }
        InetAddress a = literal(h);
        return a != null && a.isLoopbackAddress();
    }

    /** An IP literal's address, without a DNS lookup; null for a host name. */
    private static InetAddress literal(String host) {
        if (!host.matches("[0-9.]+") && !host.contains(":")) {
            return null;
        }
        try {
            return InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** Listed in the insecure registries, by name ({@code host[:port]} or host alone) or by a CIDR range. */
    boolean isInsecure(String registry) {
        String host = hostPart(registry);
        for (String entry : options.insecureRegistries()) {
            String e = entry.toLowerCase(Locale.ROOT);
            int scheme = e.indexOf("://");
            if (scheme >= 0) {
                e = e.substring(scheme + 3);
            }
            if (e.endsWith("/")) {
                e = e.substring(0, e.length() - 1);
            }
            if (e.equals(registry.toLowerCase(Locale.ROOT)) || e.equals(host.toLowerCase(Locale.ROOT))) {
                return true;
            }
            int slash = e.indexOf('/');
            if (slash > 0 && inCidr(host, e.substring(0, slash), e.substring(slash + 1))) {
                return true;
            }
        }
        return false;
    }

    private static boolean inCidr(String host, String network, String bitsText) {
        InetAddress a = literal(host);
        InetAddress n = literal(network);
        if (a == null || n == null) {
            return false;
        }
        byte[] ab = a.getAddress();
        byte[] nb = n.getAddress();
        if (ab.length != nb.length) {
            return false;
        }
        int bits;
        try {
            bits = Integer.parseInt(bitsText);
        } catch (NumberFormatException e) {
            return false;
        }
        for (int i = 0; i < ab.length && bits > 0; i++, bits -= 8) {
            int mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
            if ((ab[i] & mask) != (nb[i] & mask)) {
                return false;
            }
        }
        return true;
    }

    /** The client for a host, with its TLS material; {@code registry} names the certs.d entry besides the host. */
    OkHttpClient client(String registry, String hostPort) throws IOException {
        boolean insecure = isInsecure(registry) || isInsecure(hostPort);
        String key = hostPort + "|" + registry + "|" + insecure;
        OkHttpClient c = clients.get(key);
        if (c != null) {
            return c;
        }
        c = buildClient(registry, hostPort, insecure);
        OkHttpClient prev = clients.putIfAbsent(key, c);
        return prev != null ? prev : c;
    }

    private OkHttpClient buildClient(String registry, String hostPort, boolean insecure) throws IOException {
        List<X509Certificate> cas = new ArrayList<>(caFile());
        List<Tls.ClientCertificate> clientCerts = new ArrayList<>();
        List<Path> dirs = new ArrayList<>();
        if (options.certsDirectory() != null) {
            dirs.add(options.certsDirectory().resolve(registry));
            if (!hostPort.equals(registry)) {
                dirs.add(options.certsDirectory().resolve(hostPort));
            }
        }
        for (Path dir : dirs) {
            if (!Files.isDirectory(dir)) {
                continue;
            }
            List<Path> files = new ArrayList<>();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                ds.forEach(files::add);
            }
            files.sort(null);
            for (Path f : files) {
                String name = f.getFileName().toString();
                if (name.endsWith(".crt")) {
                    cas.addAll(Tls.readCertificates(f));
                } else if (name.endsWith(".cert")) {
                    Path key = dir.resolve(name.substring(0, name.length() - ".cert".length()) + ".key");
                    if (!Files.exists(key)) {
                        throw new IOException("client certificate " + f + " has no key " + key.getFileName());
                    }
                    clientCerts.add(new Tls.ClientCertificate(f, Tls.readCertificates(f), Tls.readPrivateKey(key)));
                } else if (name.endsWith(".key")) {
                    Path cert = dir.resolve(name.substring(0, name.length() - ".key".length()) + ".cert");
                    if (!Files.exists(cert)) {
                        throw new IOException("client key " + f + " has no certificate " + cert.getFileName());
                    }
                }
            }
        }
        if (cas.isEmpty() && clientCerts.isEmpty() && !insecure) {
            return base;
        }
        X509TrustManager tm = insecure ? Tls.trustAll() : cas.isEmpty() ? SYSTEM_TRUST : Tls.trustManager(cas);
        KeyManager[] kms = Tls.keyManagers(clientCerts);
        OkHttpClient.Builder b = base.newBuilder().sslSocketFactory(new LazyTls.SocketFactory(
                () -> Tls.socketFactory(tm, kms)), tm);
        if (insecure) {
            b.hostnameVerifier((h, s) -> true);
        }
        return b.build();
    }

    private List<X509Certificate> caFile() throws IOException {
        List<X509Certificate> c = caFileCerts;
        if (c == null) {
            c = options.caFile() == null ? List.of() : Tls.readCertificates(options.caFile());
            caFileCerts = c;
        }
        return c;
    }

    /**
     * The registry's endpoint: HTTPS, or plain HTTP for a loopback or insecure registry that does not speak TLS.
     * Found once per client by {@code GET /v2/}, retried as the policy says on connection failures.
     */
    Endpoint endpoint(String registry, Failures failures) throws RegistryException {
        Endpoint e = endpoints.get(registry);
        if (e != null) {
            return e;
        }
        synchronized (locks.computeIfAbsent(registry, k -> new Object())) {
            e = endpoints.get(registry);
            if (e == null) {
                e = discover(registry, failures);
                endpoints.put(registry, e);
            }
            return e;
        }
    }

    private Endpoint discover(String registry, Failures failures) throws RegistryException {
        String host = apiHost(registry);
        boolean mayUseHttp = isLoopback(registry) || isInsecure(registry);
        OkHttpClient client;
        try {
            client = client(registry, host);
        } catch (IOException e) {
            throw failures.of("configure TLS for " + registry, e);
        }
        HttpUrl https = HttpUrl.get("https://" + host + "/");
        if (!mayUseHttp) {
            try {
                return ping(registry, https, client, true);
            } catch (IOException e) {
                String hint = Tls.isCertificateProblem(e)
                        ? " (trust its CA with the CA file option or " + certsHint(registry) + ", or name " + registry
                                + " as an insecure registry)"
                        : "";
                throw failures.of("connect to " + registry + (e instanceof SSLException ? " over TLS" : "") + hint,
                        e);
            }
        }
        // Loopback or insecure: plain HTTP when the registry answers it as a registry does (200 or 401 to /v2/), else
        // TLS. Plain HTTP is asked first because it is what such registries mostly speak, and a TLS probe costs a
        // handshake (an EC key pair: ~140 ms of CPU on the critical path of a cold build). Nothing is lost by the
        // order: a port speaks one of the two (a TLS server refuses the plain request, which carries no credentials),
        // and a registry that may be reached over plain HTTP may as well be reached so after a failed handshake.
        HttpUrl http = HttpUrl.get("http://" + host + "/");
        IOException plainFailure = null;
        try {
            Endpoint plain = ping(registry, http, client.newBuilder().readTimeout(PROBE_TIMEOUT).build(), false);
            if (plain.registryAnswer()) {
                return plain;
            }
        } catch (java.net.ConnectException e) {
            throw failures.of("connect to " + registry, e);
        } catch (IOException e) {
            plainFailure = e; // a TLS server may close the connection on a plain request
        }
        try {
            return ping(registry, https, client.newBuilder().readTimeout(PROBE_TIMEOUT).build(), false);
        } catch (java.net.ConnectException e) {
            throw failures.of("connect to " + registry, e);
        } catch (IOException e) {
            if (plainFailure != null) {
                e.addSuppressed(plainFailure);
            }
            if (Tls.isCertificateProblem(e)) {
                throw failures.of("connect to " + registry + " over TLS (trust its CA with the CA file option or "
                        + certsHint(registry) + ", or name " + registry + " as an insecure registry)", e);
            }
            if (Tls.isTlsAlert(e)) {
                throw failures.of("connect to " + registry + " over TLS", e); // it speaks TLS, but refused us
            }
            try {
                Endpoint plain = ping(registry, http, client, true);
                if (plain.challenges().isEmpty() && plain.plainHttpRefused()) {
                    throw failures.of("connect to " + registry + " over TLS", e);
                }
                return plain;
            } catch (RegistryException e2) {
                throw e2;
            } catch (IOException e2) {
                e2.addSuppressed(e);
                throw failures.of("connect to " + registry, e2);
            }
        }
    }

    private String certsHint(String registry) {
        Path d = options.certsDirectory() == null ? RegistryOptions.DEFAULT_CERTS_DIRECTORY : options.certsDirectory();
        return d.resolve(registry).resolve("ca.crt").toString();
    }

    private Endpoint ping(String registry, HttpUrl base, OkHttpClient client, boolean retry) throws IOException {
        RetryPolicy policy = options.retryPolicy();
        long start = System.nanoTime();
        for (int attempt = 1;; attempt++) {
            Request req = new Request.Builder().url(base + "v2/").get().build();
            try (Response r = client.newCall(req).execute()) {
                if (r.code() >= 500 || r.code() == 429) {
                    Duration wait = waitBefore(policy, attempt, start, r);
                    if (wait != null) {
                        sleep(wait);
                        continue;
                    }
                }
                boolean refused = r.code() == 400 && !base.isHttps()
                        && r.peekBody(4096).string().contains("HTTP request to an HTTPS server");
                return new Endpoint(registry, base, client, r.code() == 401 ? r.headers("WWW-Authenticate") : List.of(),
                        refused, r.code() == 200 || r.code() == 401);
            } catch (SSLException | UnknownHostException e) {
                throw e; // a certificate problem, or a name that does not resolve: trying again does not help
            } catch (IOException e) {
                Duration wait = retry ? waitBefore(policy, attempt, start, null) : null;
                if (wait == null) {
                    throw e;
                }
                sleep(wait);
            }
        }
    }

    /**
     * How long to wait before another attempt after attempt {@code attempt} failed (with {@code r}, or a
     * connection failure when null); null when the policy allows no more.
     */
    static Duration waitBefore(RetryPolicy policy, int attempt, long startNanos, Response r) {
        if (attempt >= policy.maxAttempts()) {
            return null;
        }
        Duration wait = policy.backoff(attempt);
        if (r != null) {
            Duration ra = retryAfter(r.header("Retry-After"));
            if (ra != null) {
                wait = ra;
            }
        }
        Duration elapsed = Duration.ofNanos(System.nanoTime() - startNanos);
        if (elapsed.plus(wait).compareTo(policy.maxElapsed()) > 0) {
            return null;
        }
        return wait;
    }

    /** {@code Retry-After}: delta seconds or an HTTP date; null when absent or unreadable. */
    static Duration retryAfter(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String v = value.trim();
        try {
            long s = Long.parseLong(v);
            return s < 0 ? null : Duration.ofSeconds(s);
        } catch (NumberFormatException notSeconds) {
            try {
                ZonedDateTime t = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
                Duration d = Duration.between(ZonedDateTime.now(t.getZone()), t);
                return d.isNegative() ? Duration.ZERO : d;
            } catch (RuntimeException e) {
                return null;
            }
        }
    }

    static void sleep(Duration d) throws InterruptedIOException {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting to retry");
        }
    }

    @Override
    public void close() {
        base.dispatcher().executorService().shutdown();
        base.connectionPool().evictAll();
        for (OkHttpClient c : clients.values()) {
            c.connectionPool().evictAll();
        }
    }
}
