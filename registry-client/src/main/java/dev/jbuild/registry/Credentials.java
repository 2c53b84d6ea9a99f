package dev.jbuild.registry;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;

/**
 * What a user logs in with: a user name and password, or an identity token (an OAuth2 refresh token that a
 * token service issued, kept by docker as {@code identitytoken}). {@link #toString()} never shows the secrets.
 */
public final class Credentials {
    private final String username;
    private final String password;
    private final String identityToken;

    private Credentials(String username, String password, String identityToken) {
        this.username = username == null ? "" : username;
        this.password = password;
        this.identityToken = identityToken;
    }

    public static Credentials basic(String username, String password) {
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(password, "password");
        return new Credentials(username, password, null);
    }

    /** An identity token, with the user name it was issued to (may be empty). */
    public static Credentials identityToken(String username, String token) {
        Objects.requireNonNull(token, "token");
        return new Credentials(username, null, token);
    }

    public String username() {
        return username;
    }

    /** Null when these are identity-token credentials. */
    public String password() {
        return password;
    }

    /** Null unless these are identity-token credentials. */
    public String identityToken() {
        return identityToken;
    }

    public boolean hasIdentityToken() {
        return identityToken != null;
    }

    /** {@code Basic base64(user:password)}; IllegalStateException for identity-token credentials. */
    String basicHeader() {
        if (password == null) {
            throw new IllegalStateException("no password for user name authentication");
        }
        return "Basic " + Base64.getEncoder().encodeToString((username + ":" + password)
                .getBytes(StandardCharsets.UTF_8));
    }

    /** Every secret string these credentials hold, in the forms it could leak in (for redaction). */
    List<String> secrets() {
        List<String> s = new ArrayList<>();
        if (password != null && !password.isEmpty()) {
            s.add(password);
            s.add(Base64.getEncoder().encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8)));
        }
        if (identityToken != null && !identityToken.isEmpty()) {
            s.add(identityToken);
        }
        return s;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Credentials c && username.equals(c.username) && Objects.equals(password, c.password)
                && Objects.equals(identityToken, c.identityToken);
    }

    @Override
    public int hashCode() {
        return Objects.hash(username, password, identityToken);
    }

    @Override
    public String toString() {
        return "Credentials[username=" + username + (identityToken != null ? ", identity token" : ", password")
                + "=<redacted>]";
    }
}
