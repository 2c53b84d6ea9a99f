package dev.jbuild.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jbuild.oci.JsonReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Docker's client configuration file, {@code config.json} in {@code $DOCKER_CONFIG} (else {@code ~/.docker}),
 * as far as credentials go: {@code auths} ({@code auth} = base64 of {@code user:password}, or
 * {@code identitytoken}), {@code credsStore} (the helper for every registry) and {@code credHelpers} (a helper
 * per registry), the helpers speaking docker's credential helper protocol ({@link CredentialHelper}). Every
 * other field of the file is kept as is when it is saved.
 *
 * <p>Registries are named as in image references ({@code host[:port]}); Docker Hub's entry is kept under
 * {@value #DOCKER_HUB_SERVER} as docker keeps it. Lookups match entries written with a scheme or path too
 * ({@code https://registry.example.com/v1/} matches {@code registry.example.com}).
 */
public final class DockerConfig {
    /** The key docker uses for Docker Hub's credentials. */
    public static final String DOCKER_HUB_SERVER = "https://index.docker.io/v1/";
    /**
     * The mapper that writes the file (login, logout), made on first use: a build only reads it, with
     * {@link JsonReader}, and an ObjectMapper costs ~20 ms of CPU to set up.
     */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    }

    private final Path dir;
    private final ObjectNode root;
    private final List<Path> helperSearchPath;

    private DockerConfig(Path dir, ObjectNode root, List<Path> helperSearchPath) {
        this.dir = dir;
        this.root = root;
        this.helperSearchPath = helperSearchPath;
    }

    /** {@code $DOCKER_CONFIG}, else {@code ~/.docker}. */
    public static Path defaultDir() {
        String env = System.getenv("DOCKER_CONFIG");
        if (env != null && !env.isEmpty()) {
            return Paths.get(env);
        }
        return Paths.get(System.getProperty("user.home"), ".docker");
    }

    /** Reads {@code dir/config.json} (an empty configuration when it does not exist); helpers from PATH. */
    public static DockerConfig load(Path dir) throws IOException {
        return load(dir, null);
    }

    /** Reads {@code dir/config.json}, finding credential helpers in {@code helperSearchPath} (PATH's if null). */
    public static DockerConfig load(Path dir, List<Path> helperSearchPath) throws IOException {
        Path file = dir.resolve("config.json");
        ObjectNode root;
        try {
            byte[] bytes = Files.readAllBytes(file);
            JsonNode n = isBlank(bytes) ? null : JsonReader.tree(bytes);
            if (n == null || n.isNull()) {
                root = JsonNodeFactory.instance.objectNode();
            } else if (n.isObject()) {
                root = (ObjectNode) n;
            } else {
                throw new IOException(file + ": not a JSON object");
            }
        } catch (NoSuchFileException e) {
            root = JsonNodeFactory.instance.objectNode();
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": invalid JSON: " + e.getMessage());
        }
        return new DockerConfig(dir, root, helperSearchPath == null ? null : List.copyOf(helperSearchPath));
    }

    /** Nothing but white space: read as no configuration, as an empty file is. */
    private static boolean isBlank(byte[] b) {
        for (byte x : b) {
            if (x != ' ' && x != '\n' && x != '\r' && x != '\t') {
                return false;
            }
        }
        return true;
    }

    public Path file() {
        return dir.resolve("config.json");
    }

    /** The key under which docker stores a registry's credentials: {@value #DOCKER_HUB_SERVER} for Docker Hub. */
    public static String serverAddress(String registry) {
        return isDockerHub(hostOf(registry)) ? DOCKER_HUB_SERVER : registry;
    }

    /** The credential helper configured for {@code registry} ({@code credHelpers}, else {@code credsStore}). */
    public Optional<String> helperName(String registry) {
        JsonNode helpers = root.get("credHelpers");
        if (helpers != null && helpers.isObject()) {
            String host = hostOf(registry);
            for (Iterator<Map.Entry<String, JsonNode>> it = helpers.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                if (sameHost(hostOf(e.getKey()), host) && e.getValue().isTextual() && !e.getValue().asText().isEmpty()) {
                    return Optional.of(e.getValue().asText());
                }
            }
        }
        JsonNode store = root.get("credsStore");
        if (store != null && store.isTextual() && !store.asText().isEmpty()) {
            return Optional.of(store.asText());
        }
        return Optional.empty();
    }

    /** The credentials for {@code registry}: from its credential helper if one is configured, else from auths. */
    public Optional<Credentials> credentials(String registry) throws IOException {
        Optional<String> helper = helperName(registry);
        if (helper.isPresent()) {
            Optional<Credentials> c = CredentialHelper.find(helper.get(), helperSearchPath).get(serverAddress(registry));
            if (c.isPresent()) {
                return c;
            }
        }
        JsonNode entry = authEntry(registry);
        if (entry == null) {
            return Optional.empty();
        }
        return Optional.ofNullable(parseEntry(entry, registry));
    }

    private JsonNode authEntry(String registry) {
        JsonNode auths = root.get("auths");
        if (auths == null || !auths.isObject()) {
            return null;
        }
        JsonNode exact = auths.get(serverAddress(registry));
        if (exact != null && exact.isObject()) {
            return exact;
        }
        String host = hostOf(registry);
        for (Iterator<Map.Entry<String, JsonNode>> it = auths.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getValue().isObject() && sameHost(hostOf(e.getKey()), host)) {
                return e.getValue();
            }
        }
        return null;
    }

    private static Credentials parseEntry(JsonNode entry, String registry) throws IOException {
        String user = entry.path("username").asText("");
        String password = entry.path("password").asText("");
        String auth = entry.path("auth").asText("");
        if (!auth.isEmpty()) {
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(auth.trim()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new IOException("config.json: the \"auth\" entry for " + registry + " is not valid base64");
            }
            int colon = decoded.indexOf(':');
            if (colon < 0) {
                throw new IOException("config.json: the \"auth\" entry for " + registry
                        + " is not base64 of user:password");
            }
            user = decoded.substring(0, colon);
            password = decoded.substring(colon + 1);
        }
        String identityToken = entry.path("identitytoken").asText("");
        if (!identityToken.isEmpty()) {
            return Credentials.identityToken(user, identityToken);
        }
        if (user.isEmpty() && password.isEmpty()) {
            return null;
        }
        return Credentials.basic(user, password);
    }

    /**
     * Saves credentials for {@code registry} (as {@code jbuild login} does): into its credential helper when one is
     * configured (leaving an empty {@code auths} entry, as docker does), else into {@code auths}; then writes the
     * file.
     */
    public void store(String registry, Credentials c) throws IOException {
        String server = serverAddress(registry);
        Optional<String> helper = helperName(registry);
        ObjectNode auths = auths();
        removeEntries(auths, hostOf(registry));
        ObjectNode entry = auths.putObject(server);
        if (helper.isPresent()) {
            CredentialHelper.find(helper.get(), helperSearchPath).store(server, c);
        } else {
            if (c.hasIdentityToken()) {
                if (!c.username().isEmpty()) {
                    entry.put("auth", Base64.getEncoder().encodeToString((c.username() + ":")
                            .getBytes(StandardCharsets.UTF_8)));
                }
                entry.put("identitytoken", c.identityToken());
            } else {
                entry.put("auth", Base64.getEncoder().encodeToString((c.username() + ":" + c.password())
                        .getBytes(StandardCharsets.UTF_8)));
            }
        }
        save();
    }

    /**
     * Removes the credentials for {@code registry} (as {@code jbuild logout} does), from its helper and from
     * {@code auths}; false when there were none in the file (a helper is asked to erase in any case).
     */
    public boolean erase(String registry) throws IOException {
        Optional<String> helper = helperName(registry);
        if (helper.isPresent()) {
            CredentialHelper.find(helper.get(), helperSearchPath).erase(serverAddress(registry));
        }
        ObjectNode auths = auths();
        boolean removed = removeEntries(auths, hostOf(registry));
        if (removed || helper.isPresent()) {
            save();
        }
        return removed;
    }

    /** Writes the file atomically, readable by its owner only. */
    public void save() throws IOException {
        Files.createDirectories(dir);
        Path file = file();
        Path tmp = dir.resolve(".config.json." + ProcessHandle.current().pid() + "." + System.nanoTime() + ".tmp");
        try {
            Files.createFile(tmp);
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException ignored) {
                // not a POSIX file system
            }
            byte[] bytes = Json.MAPPER.writeValueAsBytes(root);
            Files.write(tmp, bytes);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The registries {@code auths} has entries for, as written in the file. */
    public List<String> authEntries() {
        List<String> out = new ArrayList<>();
        JsonNode auths = root.get("auths");
        if (auths != null && auths.isObject()) {
            auths.fieldNames().forEachRemaining(out::add);
        }
        return out;
    }

    private ObjectNode auths() {
        JsonNode a = root.get("auths");
        if (a instanceof ObjectNode o) {
            return o;
        }
        return root.putObject("auths");
    }

    private static boolean removeEntries(ObjectNode auths, String host) {
        List<String> keys = new ArrayList<>();
        auths.fieldNames().forEachRemaining(k -> {
            if (sameHost(hostOf(k), host)) {
                keys.add(k);
            }
        });
        keys.forEach(auths::remove);
        return !keys.isEmpty();
    }

    /** docker's {@code ConvertToHostname}: without scheme and path, lower case. */
    public static String hostOf(String s) {
        String h = s;
        int scheme = h.indexOf("://");
        if (scheme >= 0) {
            h = h.substring(scheme + 3);
        }
        int slash = h.indexOf('/');
        if (slash >= 0) {
            h = h.substring(0, slash);
        }
        return h.toLowerCase(Locale.ROOT);
    }

    private static boolean isDockerHub(String host) {
        return host.equals("docker.io") || host.equals("index.docker.io") || host.equals("registry-1.docker.io")
                || host.equals("registry.hub.docker.com");
    }

    static boolean sameHost(String a, String b) {
        return a.equals(b) || isDockerHub(a) && isDockerHub(b);
    }

    @Override
    public String toString() {
        return "DockerConfig[" + file() + "]";
    }
}
