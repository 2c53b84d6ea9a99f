package dev.jbuild.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jbuild.oci.JsonReader;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.FormBody;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Registry authentication: the WWW-Authenticate challenge of each registry (learnt from the ping or a 401),
 * Basic with the user's credentials, or Bearer tokens from the registry's token service for the scopes a step
 * needs ({@code repository:NAME:pull}, {@code repository:NAME:pull,push}, plus {@code repository:FROM:pull} for
 * a cross-repository mount), cached per registry and scope set until shortly before they expire, and fetched
 * anew after a 401. Credentials are looked up lazily, once per registry.
 */
final class Auth {
    /** Where credentials come from (docker's config.json, or the ones given to login). */
    interface CredentialSource {
        Optional<Credentials> credentials(String registry) throws IOException;

        /** Where the user would put credentials, for error hints. */
        String describe();
    }

    record Challenge(String scheme, Map<String, String> params) {
        String realm() {
            return params.getOrDefault("realm", "");
        }

        String service() {
            return params.get("service");
        }

        List<String> scopes() {
            String s = params.get("scope");
            List<String> out = new ArrayList<>();
            if (s != null) {
                for (String part : s.trim().split("\\s+")) {
                    if (!part.isEmpty()) {
                        out.add(part);
                    }
                }
            }
            return out;
        }

        boolean bearer() {
            return scheme.equals("bearer");
        }

        boolean basic() {
            return scheme.equals("basic");
        }
    }

    private record Token(String value, long expiresAtNanos) {}

    /** The token of one registry and scope set; fetched by one thread while the others wait for it. */
    private static final class Slot {
        final Set<String> extraScopes = ConcurrentHashMap.newKeySet();
        Token token;
    }

    private static final Pattern PARAM = Pattern.compile(
            "([A-Za-z0-9_.-]+)\\s*=\\s*(?:\"((?:[^\"\\\\]|\\\\.)*)\"|([^,\\s]*))");

    private final Transport transport;
    private final CredentialSource source;
    private final Redactor redactor;
    private final Map<String, Optional<Credentials>> credentials = new ConcurrentHashMap<>();
    private final Map<String, Challenge> challenges = new ConcurrentHashMap<>();
    private final Map<String, Slot> tokens = new ConcurrentHashMap<>();

    Auth(Transport transport, CredentialSource source, Redactor redactor) {
        this.transport = transport;
        this.source = source;
        this.redactor = redactor;
    }

    /** The first Bearer challenge of the headers, else the first Basic one; null when neither. */
    static Challenge parse(List<String> headers) {
        Challenge basic = null;
        for (String h : headers) {
            String v = h.trim();
            int sp = v.indexOf(' ');
            String scheme = (sp < 0 ? v : v.substring(0, sp)).toLowerCase(Locale.ROOT);
            Map<String, String> params = new LinkedHashMap<>();
            if (sp >= 0) {
                Matcher m = PARAM.matcher(v.substring(sp + 1));
                while (m.find()) {
                    String value = m.group(2) != null ? m.group(2).replaceAll("\\\\(.)", "$1") : m.group(3);
                    params.putIfAbsent(m.group(1).toLowerCase(Locale.ROOT), value);
                }
            }
            Challenge c = new Challenge(scheme, params);
            if (c.bearer()) {
                return c;
            }
            if (c.basic() && basic == null) {
                basic = c;
            }
        }
        return basic;
    }

    /** Records the challenge a registry's ping answered with. */
    void learn(String registry, List<String> headers) {
        Challenge c = parse(headers);
        if (c != null) {
            challenges.putIfAbsent(registry, c);
        }
    }

    Optional<Credentials> credentials(String registry) throws IOException {
        Optional<Credentials> c = credentials.get(registry);
        if (c != null) {
            return c;
        }
        synchronized (credentials) { // one lookup per registry (a credential helper is a process)
            c = credentials.get(registry);
            if (c != null) {
                return c;
            }
            c = source.credentials(registry);
            c.ifPresent(redactor::add);
            credentials.put(registry, c);
            return c;
        }
    }

    /** Adds the Authorization header the registry's challenge calls for (fetching a token when needed). */
    void authorize(Transport.Endpoint ep, Request.Builder rb, List<String> scopes, Failures f)
            throws RegistryException {
        Challenge c = challenges.get(ep.registry());
        if (c == null) {
            return;
        }
        if (c.basic()) {
            Optional<Credentials> cr = credentialsOrFail(ep.registry(), f);
            if (cr.isPresent() && cr.get().password() != null) {
                rb.header("Authorization", cr.get().basicHeader());
            }
        } else if (c.bearer()) {
            rb.header("Authorization", "Bearer " + token(ep, c, scopes, f));
        }
    }

    /**
     * After a 401 (whose headers are given): learns the challenge and drops the token that was refused. True when
     * another attempt can succeed (a new challenge, or a fresh token); false when credentials were refused.
     */
    boolean unauthorized(Transport.Endpoint ep, Response r, List<String> scopes) {
        Challenge c = parse(r.headers("WWW-Authenticate"));
        if (c == null) {
            return false;
        }
        Challenge old = challenges.put(ep.registry(), c);
        if (c.bearer()) {
            Slot slot = tokens.computeIfAbsent(key(ep.registry(), c, scopes), k -> new Slot());
            for (String s : c.scopes()) {
                if (!scopes.contains(s)) {
                    slot.extraScopes.add(s);
                }
            }
            String sent = r.request().header("Authorization");
            synchronized (slot) {
                // drop the refused token, unless another thread has replaced it meanwhile
                if (slot.token != null && ("Bearer " + slot.token.value).equals(sent)) {
                    slot.token = null;
                }
            }
            return true;
        }
        // Basic: a retry helps only if the challenge is new to us (the request carried no credentials).
        return old == null || !old.basic();
    }

    /** A hint for a 401/403 message: were there credentials at all? */
    String hint(String registry) {
        Optional<Credentials> c = credentials.get(registry);
        if (c == null || c.isEmpty()) {
            return " (no credentials for " + registry + " in " + source.describe() + ": log in first)";
        }
        return " (the credentials for " + registry + " from " + source.describe()
                + " were refused, or lack the rights for this)";
    }

    private Optional<Credentials> credentialsOrFail(String registry, Failures f) throws RegistryException {
        try {
            return credentials(registry);
        } catch (IOException e) {
            throw f.of("read the credentials for " + registry, e);
        }
    }

    private static String key(String registry, Challenge c, List<String> scopes) {
        return registry + "|" + c.realm() + "|" + c.service() + "|" + String.join(" ", new TreeSet<>(scopes));
    }

    private String token(Transport.Endpoint ep, Challenge c, List<String> scopes, Failures f)
            throws RegistryException {
        Slot slot = tokens.computeIfAbsent(key(ep.registry(), c, scopes), k -> new Slot());
        synchronized (slot) {
            if (slot.token != null && System.nanoTime() - slot.token.expiresAtNanos < 0) {
                return slot.token.value;
            }
            TreeSet<String> all = new TreeSet<>(scopes);
            all.addAll(slot.extraScopes);
            slot.token = fetchToken(ep.registry(), c, List.copyOf(all), f);
            return slot.token.value;
        }
    }

    /** Checks credentials as {@code docker login} does: a token without scope, or Basic on {@code /v2/}. */
    void login(Transport.Endpoint ep, Failures f) throws RegistryException {
        Challenge c = challenges.get(ep.registry());
        if (c == null) {
            return; // the registry asks for no authentication
        }
        if (c.bearer()) {
            fetchToken(ep.registry(), c, List.of(), f);
            return;
        }
        Request.Builder rb = new Request.Builder().url(ep.v2("")).get();
        authorize(ep, rb, List.of(), f);
        try (Response r = ep.client().newCall(rb.build()).execute()) {
            if (!r.isSuccessful()) {
                throw f.of("log in", r);
            }
        } catch (IOException e) {
            throw f.of("log in", e);
        }
    }

    private Token fetchToken(String registry, Challenge c, List<String> scopes, Failures f) throws RegistryException {
        HttpUrl realm = HttpUrl.parse(c.realm());
        String action = "authenticate with the token service " + (realm == null ? "\"" + c.realm() + "\""
                : realm.newBuilder().query(null).build());
        if (realm == null) {
            throw f.of(action, "the registry's Bearer challenge has no valid realm URL");
        }
        Optional<Credentials> cr = credentialsOrFail(registry, f);
        String realmHost = hostPort(realm);
        if (cr.isPresent() && !realm.isHttps() && !Transport.isLoopback(realmHost) && !transport.isInsecure(registry)) {
            throw f.of(action, "refusing to send credentials to a token service over plain HTTP");
        }
        OkHttpClient client;
        try {
            client = transport.client(registry, realmHost);
        } catch (IOException e) {
            throw f.of(action, e);
        }
        RetryPolicy policy = transport.options().retryPolicy();
        long start = System.nanoTime();
        for (int attempt = 1;; attempt++) {
            Request req = tokenRequest(realm, c, scopes, cr.orElse(null));
            Response r;
            try {
                r = client.newCall(req).execute();
            } catch (IOException e) {
                Duration wait = Transport.waitBefore(policy, attempt, start, null);
                if (wait == null) {
                    throw f.of(action, e);
                }
                sleep(wait, action, f);
                continue;
            }
            if (r.code() == 429 || r.code() >= 500) {
                Duration wait = Transport.waitBefore(policy, attempt, start, r);
                if (wait != null) {
                    r.close();
                    sleep(wait, action, f);
                    continue;
                }
            }
            if (!r.isSuccessful()) {
                throw f.of(action, r);
            }
            try (r) {
                JsonNode n;
                try (InputStream in = r.body().byteStream()) {
                    n = JsonReader.tree(in.readNBytes(1024 * 1024));
                } catch (IllegalArgumentException e) {
                    throw new IOException("the token service's answer is not JSON: " + e.getMessage(), e);
                }
                String t = n == null ? "" : n.path("token").asText("");
                if (t.isEmpty()) {
                    t = n == null ? "" : n.path("access_token").asText("");
                }
                if (t.isEmpty()) {
                    throw f.of(action, "the token service answered without a token");
                }
                redactor.add(t);
                String refresh = n.path("refresh_token").asText("");
                redactor.add(refresh);
                long expiresIn = n.path("expires_in").asLong(0);
                if (expiresIn <= 0) {
                    expiresIn = 60; // the distribution spec's default
                }
                long margin = Math.min(10, expiresIn / 4);
                return new Token(t, System.nanoTime() + Duration.ofSeconds(expiresIn - margin).toNanos());
            } catch (IOException e) {
                throw f.of(action, e);
            }
        }
    }

    private static Request tokenRequest(HttpUrl realm, Challenge c, List<String> scopes, Credentials cr) {
        if (cr != null && cr.hasIdentityToken()) {
            FormBody.Builder form = new FormBody.Builder()
                    .add("grant_type", "refresh_token")
                    .add("refresh_token", cr.identityToken())
                    .add("client_id", "jbuild");
            if (c.service() != null) {
                form.add("service", c.service());
            }
            if (!scopes.isEmpty()) {
                form.add("scope", String.join(" ", scopes));
            }
            return new Request.Builder().url(realm).post(form.build()).build();
        }
        HttpUrl.Builder u = realm.newBuilder();
        if (c.service() != null) {
            u.addQueryParameter("service", c.service());
        }
        for (String s : scopes) {
            u.addQueryParameter("scope", s);
        }
        Request.Builder rb = new Request.Builder().url(u.build()).get();
        if (cr != null && cr.password() != null) {
            rb.header("Authorization", cr.basicHeader());
        }
        return rb.build();
    }

    private static void sleep(Duration d, String action, Failures f) throws RegistryException {
        try {
            Transport.sleep(d);
        } catch (java.io.InterruptedIOException e) {
            throw f.of(action, e);
        }
    }

    static String hostPort(HttpUrl u) {
        String h = u.host().contains(":") ? "[" + u.host() + "]" : u.host();
        return u.port() == HttpUrl.defaultPort(u.scheme()) ? h : h + ":" + u.port();
    }
}
