package dev.jbuild.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jbuild.oci.JsonReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Docker's credential helper protocol: {@code docker-credential-NAME get|store|erase}, the server URL or a JSON
 * document on standard input, JSON on standard output. A user name of {@code <token>} means the secret is an
 * identity token. Output and error text of a helper are never put into exception messages after a {@code get}
 * (it may have printed a secret), only the helper's name and exit status.
 */
public final class CredentialHelper {
    /** For the document a store sends; made on first use (reading the helper's answer needs none). */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper();
    }
    static final String TOKEN_USER = "<token>";
    private static final long TIMEOUT_SECONDS = 60;

    private final String name;
    private final Path executable;

    private CredentialHelper(String name, Path executable) {
        this.name = name;
        this.executable = executable;
    }

    /**
     * Finds {@code docker-credential-NAME} in {@code searchPath} (directories; PATH's when null). The helper need
     * not exist yet: a missing one fails when used, naming it.
     */
    public static CredentialHelper find(String name, List<Path> searchPath) {
        if (!name.matches("[A-Za-z0-9_.-]+")) {
            throw new IllegalArgumentException("invalid credential helper name \"" + name + "\"");
        }
        String exe = "docker-credential-" + name;
        List<Path> dirs = searchPath != null ? searchPath : pathDirectories();
        for (Path d : dirs) {
            Path p = d.resolve(exe);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return new CredentialHelper(name, p);
            }
        }
        return new CredentialHelper(name, null);
    }

    static List<Path> pathDirectories() {
        List<Path> out = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            for (String s : path.split(java.io.File.pathSeparator)) {
                if (!s.isEmpty()) {
                    out.add(Paths.get(s));
                }
            }
        }
        return out;
    }

    public String name() {
        return name;
    }

    /** The credentials the helper has for {@code serverUrl}, empty when it has none. */
    public Optional<Credentials> get(String serverUrl) throws IOException {
        Result r = run("get", serverUrl.getBytes(StandardCharsets.UTF_8));
        String out = new String(r.stdout, StandardCharsets.UTF_8).trim();
        if (r.exit != 0) {
            if (out.contains("credentials not found")) {
                return Optional.empty();
            }
            throw new IOException("credential helper " + executableName() + " failed to get the credentials for "
                    + serverUrl + " (exit status " + r.exit + ")");
        }
        JsonNode n;
        try {
            n = JsonReader.tree(r.stdout);
        } catch (IllegalArgumentException e) {
            throw new IOException("credential helper " + executableName() + " printed no valid JSON for " + serverUrl);
        }
        if (n == null || !n.isObject()) {
            throw new IOException("credential helper " + executableName() + " printed no JSON object for " + serverUrl);
        }
        String user = n.path("Username").asText("");
        String secret = n.path("Secret").asText("");
        if (user.isEmpty() && secret.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(TOKEN_USER.equals(user) ? Credentials.identityToken("", secret)
                : Credentials.basic(user, secret));
    }

    /** Stores credentials for {@code serverUrl}. */
    public void store(String serverUrl, Credentials c) throws IOException {
        ObjectNode doc = Json.MAPPER.createObjectNode();
        doc.put("ServerURL", serverUrl);
        doc.put("Username", c.hasIdentityToken() ? TOKEN_USER : c.username());
        doc.put("Secret", c.hasIdentityToken() ? c.identityToken() : c.password());
        Result r = run("store", Json.MAPPER.writeValueAsBytes(doc));
        if (r.exit != 0) {
            throw new IOException("credential helper " + executableName() + " failed to store the credentials for "
                    + serverUrl + " (exit status " + r.exit + ")" + detail(r));
        }
    }

    /** Erases the credentials for {@code serverUrl}; a helper that had none is not an error. */
    public void erase(String serverUrl) throws IOException {
        Result r = run("erase", serverUrl.getBytes(StandardCharsets.UTF_8));
        if (r.exit != 0 && !new String(r.stdout, StandardCharsets.UTF_8).contains("credentials not found")) {
            throw new IOException("credential helper " + executableName() + " failed to erase the credentials for "
                    + serverUrl + " (exit status " + r.exit + ")" + detail(r));
        }
    }

    private String executableName() {
        return "docker-credential-" + name;
    }

    /** A helper's own error text, after store/erase (no secret was printed), one line, bounded. */
    private static String detail(Result r) {
        String s = (new String(r.stdout, StandardCharsets.UTF_8) + " " + new String(r.stderr, StandardCharsets.UTF_8))
                .replaceAll("\\s+", " ").trim();
        if (s.isEmpty()) {
            return "";
        }
        return ": " + (s.length() > 200 ? s.substring(0, 200) + "..." : s);
    }

    private record Result(int exit, byte[] stdout, byte[] stderr) {}

    private Result run(String verb, byte[] input) throws IOException {
        if (executable == null) {
            throw new IOException("credential helper " + executableName() + " not found in PATH (configured in "
                    + "config.json as credsStore or credHelpers)");
        }
        Process p = new ProcessBuilder(executable.toString(), verb).start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread o = drain(p.getInputStream(), out);
        Thread e = drain(p.getErrorStream(), err);
        try (OutputStream in = p.getOutputStream()) {
            in.write(input);
        } catch (IOException ignored) {
            // the helper may exit without reading its input
        }
        try {
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("credential helper " + executableName() + " did not answer within "
                        + TIMEOUT_SECONDS + " s");
            }
            o.join();
            e.join();
        } catch (InterruptedException ie) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted waiting for " + executableName());
        }
        return new Result(p.exitValue(), out.toByteArray(), err.toByteArray());
    }

    private static Thread drain(InputStream in, ByteArrayOutputStream to) {
        Thread t = new Thread(() -> {
            try (in) {
                in.transferTo(to);
            } catch (IOException ignored) {
                // the process went away
            }
        }, "credential-helper-io");
        t.setDaemon(true);
        t.start();
        return t;
    }

    @Override
    public String toString() {
        return "CredentialHelper[" + executableName() + (executable == null ? " (not found)" : "") + "]";
    }
}
