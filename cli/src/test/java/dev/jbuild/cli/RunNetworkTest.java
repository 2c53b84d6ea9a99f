package dev.jbuild.cli;

import static dev.jbuild.cli.Cli.jbuild;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The network of RUN steps: the host's by default (its interfaces, and a server on the host's loopback answers),
 * only a loopback that is up with {@code RUN --network=none}, the host's again with {@code --network=host}; and
 * {@code jbuild build --network=none} makes "none" the default of steps that do not set it. As with BuildKit and
 * buildx, {@code RUN --network=host} needs {@code --allow network.host}, which {@code jbuild build --network=host}
 * grants.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class RunNetworkTest {
    static final String PROBE = "awk -F: 'NR>2{gsub(/ /,\"\",$1); print $1}' /proc/net/dev | sort | tr '\\n' ' '"
            + "; echo; (ip -o link show lo | grep -q 'LOOPBACK,UP' && echo lo-up || echo lo-down)"
            // (busybox-static 1.35's wget segfaults, on the host too: nc speaks HTTP/1.0 instead)
            + "; printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 5 127.0.0.1 $PORT 2>/dev/null | tail -n 1 | grep . || echo unreachable";
    static final String DOCKERFILE = "FROM busybox\nARG PORT\n"
            + "RUN (" + PROBE + ") > /default\n"
            + "RUN --network=none (" + PROBE + ") > /none\n"
            + "RUN --network=host (" + PROBE + ") > /host\n";

    @TempDir
    Path tmp;

    HttpServer server;

    @BeforeEach
    void serve() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 8);
        server.createContext("/", ex -> {
            byte[] body = "hello from the host\n".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(body);
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    /** What the probe prints in the host's own network namespace (this JVM's). */
    static String hostNetwork() throws IOException {
        List<String> names = new ArrayList<>();
        List<String> lines = Files.readAllLines(Path.of("/proc/net/dev"));
        for (String l : lines.subList(2, lines.size())) {
            names.add(l.substring(0, l.indexOf(':')).strip());
        }
        names.sort(null);
        assertTrue(names.size() > 1, "the host has an interface besides lo: " + names);
        return String.join(" ", names) + " \nlo-up\nhello from the host\n";
    }

    static final String NONE = "lo \nlo-up\nunreachable\n";

    @Test
    void theHostsNetworkByDefaultNoneAndHostPerStep() throws Exception {
        Path rootfs = build("--allow", "network.host");
        assertEquals(hostNetwork(), Files.readString(rootfs.resolve("default")), "RUN");
        assertEquals(NONE, Files.readString(rootfs.resolve("none")), "RUN --network=none");
        assertEquals(hostNetwork(), Files.readString(rootfs.resolve("host")), "RUN --network=host");
    }

    @Test
    void buildNetworkNoneIsTheDefaultOfStepsThatSetNone() throws Exception {
        Path rootfs = build("--network=none", "--allow", "network.host");
        assertEquals(NONE, Files.readString(rootfs.resolve("default")), "RUN under --network=none");
        assertEquals(NONE, Files.readString(rootfs.resolve("none")), "RUN --network=none");
        assertEquals(hostNetwork(), Files.readString(rootfs.resolve("host")), "RUN --network=host");
    }

    @Test
    void runNetworkHostNeedsAllowNetworkHostWhichBuildNetworkHostGrants() throws Exception {
        Path root = tmp.resolve("root");
        RunFixtures.loadBusybox(root);
        Path ctx = Files.createDirectories(tmp.resolve("ctx"));
        Files.writeString(ctx.resolve("Dockerfile"), DOCKERFILE);
        Cli.Result denied = jbuild("--root", root, "-q", "--build-arg", "PORT=1", ctx);
        assertEquals(1, denied.status(), denied.out() + denied.err());
        assertTrue(denied.err().contains("Dockerfile:5") && denied.err().contains(
                "RUN --network=host needs the build to be started with --allow network.host"), denied.err());

        Path rootfs = build("--network=host");
        assertEquals(hostNetwork(), Files.readString(rootfs.resolve("default")), "RUN under --network=host");
        assertEquals(NONE, Files.readString(rootfs.resolve("none")), "RUN --network=none");
        assertEquals(hostNetwork(), Files.readString(rootfs.resolve("host")), "RUN --network=host");
    }

    private Path build(String... options) throws Exception {
        Path root = tmp.resolve("root");
        RunFixtures.loadBusybox(root);
        Path ctx = Files.createDirectories(tmp.resolve("ctx"));
        Files.writeString(ctx.resolve("Dockerfile"), DOCKERFILE);
        Path layout = tmp.resolve("layout");
        List<Object> args = new ArrayList<>(List.of("--root", root, "-q", "-t", "net", "--build-arg",
                "PORT=" + server.getAddress().getPort(), "-o", "type=oci,dest=" + layout));
        args.addAll(List.of(options));
        args.add(ctx);
        jbuild(args.toArray()).ok();
        return Cli.umociUnpack(layout, "latest", tmp.resolve("bundle"));
    }
}
