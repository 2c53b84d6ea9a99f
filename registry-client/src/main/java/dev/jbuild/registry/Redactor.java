package dev.jbuild.registry;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Removes every secret a client has seen (passwords, their base64 forms, identity and bearer tokens) from text. */
final class Redactor {
    static final String MASK = "<redacted>";
    private final Set<String> secrets = ConcurrentHashMap.newKeySet();

    void add(String secret) {
        if (secret != null && secret.length() >= 4) {
            secrets.add(secret);
        }
    }

    void add(Credentials c) {
        if (c != null) {
            c.secrets().forEach(this::add);
        }
    }

    String scrub(String text) {
        if (text == null) {
            return null;
        }
        String s = text;
        for (String secret : secrets) {
            if (s.contains(secret)) {
                s = s.replace(secret, MASK);
            }
        }
        return s;
    }
}
