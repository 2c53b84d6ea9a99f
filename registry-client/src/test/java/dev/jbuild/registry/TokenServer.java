package dev.jbuild.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/**
 * The test's own token service (docker's token authentication): {@code GET /token?service=&scope=} with Basic
 * credentials, or {@code POST /token} with an OAuth2 refresh-token grant, answers a JWT signed with an EC key
 * whose self-signed certificate the registry trusts ({@code x5c} header), granting an authenticated user every
 * action asked for and an anonymous one nothing. Records every request.
 */
final class TokenServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

    /** One request for a token. */
    record TokenRequest(String method, String user, String service, List<String> scopes, String grantType) {}

    private final HttpServer server;
    private final KeyPair key;
    private final X509Certificate certificate;
    /** A signer the registry does not trust. */
    private final TestPki untrusted = TestPki.create("untrusted-signer");
    private final Map<String, String> users = new ConcurrentHashMap<>();
    private final Map<String, String> refreshTokens = new ConcurrentHashMap<>();
    final List<TokenRequest> requests = new CopyOnWriteArrayList<>();
    volatile long expiresIn = 300;
    /** The next token is signed with a key the registry does not trust (it will answer 401). */
    volatile boolean nextTokenUntrusted;

    TokenServer() throws IOException {
        TestPki pki = TestPki.create("jbuild-token-signer");
        this.key = pki.caKey;
        this.certificate = pki.ca;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/token", this::handle);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.start();
    }

    void addUser(String user, String password) {
        users.put(user, password);
    }

    /** An identity (refresh) token for {@code user}, as a login through OAuth would have given. */
    String issueRefreshToken(String user) {
        String t = "refresh-" + UUID.randomUUID();
        refreshTokens.put(t, user);
        return t;
    }

    String realm() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/token";
    }

    String service() {
        return "jbuild-test-registry";
    }

    String issuer() {
        return "jbuild-test-issuer";
    }

    X509Certificate certificate() {
        return certificate;
    }

    /** The scopes asked for, request by request. */
    List<List<String>> scopes() {
        List<List<String>> out = new ArrayList<>();
        for (TokenRequest r : requests) {
            out.add(r.scopes());
        }
        return out;
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String user = null;
            String grant = null;
            Map<String, List<String>> params;
            if (ex.getRequestMethod().equals("POST")) {
                params = parse(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
                grant = first(params, "grant_type");
                if (!"refresh_token".equals(grant)) {
                    send(ex, 400, "{\"error\":\"unsupported_grant_type\"}");
                    return;
                }
                user = refreshTokens.get(first(params, "refresh_token"));
                if (user == null) {
                    send(ex, 401, "{\"error\":\"invalid_grant\",\"error_description\":\"unknown refresh token\"}");
                    return;
                }
                List<String> split = new ArrayList<>();
                for (String s : params.getOrDefault("scope", List.of())) {
                    for (String p : s.split(" ")) {
                        if (!p.isEmpty()) {
                            split.add(p);
                        }
                    }
                }
                params.put("scope", split);
            } else {
                params = parse(ex.getRequestURI().getRawQuery());
                String auth = ex.getRequestHeaders().getFirst("Authorization");
                if (auth != null) {
                    if (!auth.startsWith("Basic ")) {
                        send(ex, 400, "{\"details\":\"unsupported authorization\"}");
                        return;
                    }
                    String decoded = new String(Base64.getDecoder().decode(auth.substring(6)), StandardCharsets.UTF_8);
                    int colon = decoded.indexOf(':');
                    String u = decoded.substring(0, colon);
                    String p = decoded.substring(colon + 1);
                    if (!p.equals(users.get(u))) {
                        requests.add(new TokenRequest("GET", u, first(params, "service"),
                                params.getOrDefault("scope", List.of()), null));
                        // Like a sloppy real service: the error echoes what it was sent, which a client must not
                        // let through into its messages.
                        send(ex, 401, "{\"details\":\"incorrect username or password for " + u + ":" + p + "\"}");
                        return;
                    }
                    user = u;
                }
            }
            List<String> scopes = params.getOrDefault("scope", List.of());
            requests.add(new TokenRequest(ex.getRequestMethod(), user, first(params, "service"), scopes, grant));
            String token = jwt(user, first(params, "service"), user == null ? List.of() : scopes);
            ObjectNode body = JSON.createObjectNode();
            body.put(grant != null ? "access_token" : "token", token);
            body.put("expires_in", expiresIn);
            body.put("issued_at", java.time.Instant.now().toString());
            send(ex, 200, JSON.writeValueAsString(body));
        } catch (Exception e) {
            e.printStackTrace();
            throw new IOException(e);
        }
    }

    private String jwt(String user, String audience, List<String> scopes) throws Exception {
        boolean untrustedSigner = nextTokenUntrusted;
        nextTokenUntrusted = false;
        ObjectNode header = JSON.createObjectNode();
        header.put("typ", "JWT");
        header.put("alg", "ES256");
        header.putArray("x5c").add(Base64.getEncoder().encodeToString(
                (untrustedSigner ? this.untrusted.ca : certificate).getEncoded()));
        long now = System.currentTimeMillis() / 1000;
        ObjectNode claims = JSON.createObjectNode();
        claims.put("iss", issuer());
        claims.put("sub", user == null ? "" : user);
        claims.put("aud", audience);
        claims.put("exp", now + expiresIn);
        claims.put("nbf", now - 10);
        claims.put("iat", now);
        claims.put("jti", UUID.randomUUID().toString());
        ArrayNode access = claims.putArray("access");
        for (String s : scopes) {
            int first = s.indexOf(':');
            int last = s.lastIndexOf(':');
            if (first < 0 || last <= first) {
                continue;
            }
            ObjectNode a = access.addObject();
            a.put("type", s.substring(0, first));
            a.put("name", s.substring(first + 1, last));
            ArrayNode actions = a.putArray("actions");
            for (String act : s.substring(last + 1).split(",")) {
                actions.add(act);
            }
        }
        String signingInput = B64URL.encodeToString(JSON.writeValueAsBytes(header)) + "."
                + B64URL.encodeToString(JSON.writeValueAsBytes(claims));
        Signature sig = Signature.getInstance("SHA256withECDSAinP1363Format");
        sig.initSign((untrustedSigner ? this.untrusted.caKey : key).getPrivate());
        sig.update(signingInput.getBytes(StandardCharsets.US_ASCII));
        return signingInput + "." + B64URL.encodeToString(sig.sign());
    }

    private static Map<String, List<String>> parse(String query) {
        Map<String, List<String>> m = new java.util.HashMap<>();
        if (query == null || query.isEmpty()) {
            return m;
        }
        for (String part : query.split("&")) {
            int eq = part.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? part : part.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8);
            m.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
        }
        return m;
    }

    private static String first(Map<String, List<String>> params, String key) {
        List<String> v = params.get(key);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    private static void send(HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
