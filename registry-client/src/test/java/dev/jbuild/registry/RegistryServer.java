package dev.jbuild.registry;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real registry for tests: Debian's {@code docker-registry} (the reference distribution server) started on
 * 127.0.0.1 at a free port with a config file written here (filesystem storage in a temp directory, deletes
 * enabled), once per test class ({@code @RegisterExtension static}); stopped and deleted after the class. A
 * missing binary fails the tests, it never skips them. Public, with {@link TestPki}, for other modules' tests
 * (the registry-client test-jar).
 */
public final class RegistryServer implements BeforeAllCallback, AfterAllCallback, AutoCloseable {
    static final Path BINARY = Paths.get("/usr/bin/docker-registry");

    /** Extra YAML for the {@code http:} section (TLS) and the top level ({@code auth:}), given the work directory. */
    interface Extra {
        String http(Path dir) throws IOException;

        String top(Path dir) throws IOException;
    }

    private final String name;
    private final Extra extra;
    private Path dir;
    private Process process;
    private int port;

    private RegistryServer(String name, Extra extra) {
        this.name = name;
        this.extra = extra;
    }

    public static RegistryServer plain() {
        return new RegistryServer("plain", new Extra() {
            @Override
            public String http(Path dir) {
                return "";
            }

            @Override
            public String top(Path dir) {
                return "";
            }
        });
    }

    /** TLS with a server certificate of {@code pki}; with {@code requireClientCertificate}, mutual TLS. */
    public static RegistryServer tls(TestPki pki, boolean requireClientCertificate) {
        return new RegistryServer("tls", new Extra() {
            @Override
            public String http(Path dir) throws IOException {
                TestPki.Issued server = pki.server();
                Path cert = TestPki.write(dir.resolve("server.crt"), TestPki.pem(server.certificate(), pki.ca));
                Path key = TestPki.write(dir.resolve("server.key"), TestPki.pkcs8Pem(server.key().getPrivate()));
                Path ca = TestPki.write(dir.resolve("ca.crt"), TestPki.pem(pki.ca));
                return "  tls:\n    certificate: " + cert + "\n    key: " + key + "\n"
                        + (requireClientCertificate ? "    clientcas:\n      - " + ca + "\n" : "");
            }

            @Override
            public String top(Path dir) {
                return "";
            }
        });
    }

    /** htpasswd Basic authentication with one user (bcrypt, written here). */
    public static RegistryServer htpasswd(String user, String password) {
        return new RegistryServer("htpasswd", new Extra() {
            @Override
            public String http(Path dir) {
                return "";
            }

            @Override
            public String top(Path dir) throws IOException {
                byte[] salt = new byte[16];
                new java.security.SecureRandom().nextBytes(salt);
                String hash = OpenBSDBCrypt.generate("2y", password.toCharArray(), salt, 5);
                Path file = dir.resolve("htpasswd");
                Files.writeString(file, user + ":" + hash + "\n", StandardCharsets.UTF_8);
                return "auth:\n  htpasswd:\n    realm: jbuild-test\n    path: " + file + "\n";
            }
        });
    }

    /** Token authentication against {@code tokens}, trusting its signing certificate. */
    static RegistryServer token(TokenServer tokens) {
        return new RegistryServer("token", new Extra() {
            @Override
            public String http(Path dir) {
                return "";
            }

            @Override
            public String top(Path dir) throws IOException {
                Path bundle = TestPki.write(dir.resolve("token-ca.pem"), TestPki.pem(tokens.certificate()));
                return "auth:\n  token:\n    realm: " + tokens.realm() + "\n    service: " + tokens.service()
                        + "\n    issuer: " + tokens.issuer() + "\n    rootcertbundle: " + bundle + "\n";
            }
        });
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        close();
    }

    public void start() throws IOException, InterruptedException {
        if (!Files.isExecutable(BINARY)) {
            fail(BINARY + " is missing: the registry tests need the reference registry server. Install it with"
                    + " `apt-get install docker-registry` (.ci/run does).");
        }
        dir = Files.createTempDirectory("jbuild-registry-" + name + "-");
        String http = extra.http(dir);
        String top = extra.top(dir);
        for (int attempt = 1;; attempt++) {
            port = freePort();
            Path config = dir.resolve("config.yml");
            Files.writeString(config, "version: 0.1\n"
                    + "log:\n  level: info\n  formatter: text\n"
                    + "storage:\n  filesystem:\n    rootdirectory: " + dir.resolve("data") + "\n"
                    + "  delete:\n    enabled: true\n"
                    + "  maintenance:\n    uploadpurging:\n      enabled: false\n"
                    + "http:\n  addr: 127.0.0.1:" + port + "\n  secret: jbuild-registry-test-secret\n" + http
                    + top, StandardCharsets.UTF_8);
            Path log = log();
            process = new ProcessBuilder(BINARY.toString(), "serve", config.toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    break;
                }
                if (Files.readString(log).contains("listening on") && canConnect(port)) {
                    return;
                }
                Thread.sleep(50);
            }
            String out = Files.readString(log);
            process.destroyForcibly().waitFor();
            if (attempt < 3 && out.contains("address already in use")) {
                continue;
            }
            fail("docker-registry (" + name + ") did not start on 127.0.0.1:" + port + ":\n" + out);
        }
    }

    private static boolean canConnect(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        }
    }

    /** {@code 127.0.0.1:PORT}, the registry part of references. */
    public String host() {
        return "127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public Path log() {
        return dir.resolve("registry.log");
    }

    public String logText() throws IOException {
        return Files.readString(log());
    }

    @Override
    public void close() throws IOException {
        if (process != null) {
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
            process = null;
        }
        if (dir != null) {
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
            dir = null;
        }
    }
}
