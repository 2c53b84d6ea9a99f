package dev.jbuild.oci;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.function.Supplier;

/** A content digest, {@code algorithm:hex}, as OCI descriptors carry it. Only sha256 is produced. */
public record Digest(String algorithm, String hex) implements Comparable<Digest> {
    public Digest {
        // A plain loop: digests are parsed by the ten thousand (stat cache, step index), a regex costs.
        if (algorithm.equals("sha256")) {
            if (!lowerHex(hex, 64)) {
                throw new IllegalArgumentException("invalid sha256 digest: " + hex);
            }
        } else if (algorithm.equals("sha512")) {
            if (!lowerHex(hex, 128)) {
                throw new IllegalArgumentException("invalid sha512 digest: " + hex);
            }
        } else {
            throw new IllegalArgumentException("unsupported digest algorithm: " + algorithm);
        }
    }

    private static boolean lowerHex(String s, int length) {
        if (s.length() != length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }

    /** Parses {@code sha256:<64 hex>}; throws IllegalArgumentException with the offending text. */
    public static Digest parse(String s) {
        int colon = s.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("invalid digest: \"" + s + "\"");
        }
        return new Digest(s.substring(0, colon), s.substring(colon + 1));
    }

    public static Digest sha256(byte[] content) {
        return fromMessageDigest(newSha256().digest(content));
    }

    /** A SHA-256 MessageDigest: the JDK's, or what {@link #useSha256} installed. */
    public static MessageDigest newSha256() {
        Supplier<MessageDigest> factory = sha256Factory;
        return factory != null ? factory.get() : jdkSha256();
    }

    /**
     * A MessageDigest for a digest algorithm as OCI names it ({@code sha256}, {@code sha512}); sha256 is {@link
     * #newSha256}'s. IllegalArgumentException for any other.
     */
    public static MessageDigest newMessageDigest(String algorithm) {
        return switch (algorithm) {
            case "sha256" -> newSha256();
            case "sha512" -> {
                try {
                    yield MessageDigest.getInstance("SHA-512");
                } catch (NoSuchAlgorithmException e) {
                    throw new IllegalStateException("the JVM has no SHA-512", e);
                }
            }
            default -> throw new IllegalArgumentException("unsupported digest algorithm: " + algorithm);
        };
    }

    /** The JDK's SHA-256, whatever {@link #useSha256} installed. */
    public static MessageDigest jdkSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
    }

    private static volatile Supplier<MessageDigest> sha256Factory;

    /**
     * Where {@link #newSha256} takes its digests from from now on (null: the JDK). The packaged command installs
     * libcrypto's (layer-cache's NativeDigests): it runs the JVM without C2, and the JDK's SHA-256 is fast only
     * when C2 compiles it. A hook, not a security provider: inserting a provider loads every one the JDK
     * configures, about 20 ms of start-up.
     */
    public static void useSha256(Supplier<MessageDigest> factory) {
        sha256Factory = factory;
    }

    /** The digest of what a SHA-256 MessageDigest has seen. */
    public static Digest fromMessageDigest(byte[] sha256) {
        return new Digest("sha256", HexFormat.of().formatHex(sha256));
    }

    /** The first 12 hex characters, as docker shows image ids. */
    public String shortHex() {
        return hex.substring(0, 12);
    }

    // equals and hashCode written out, as in Descriptor: a record's generated ones bootstrap through
    // java.lang.runtime.ObjectMethods at first use, spinning method-handle classes that no AOT cache holds, at every
    // start (digests are compared and hashed in every build).
    @Override
    public boolean equals(Object o) {
        return o instanceof Digest d && d.hex.equals(hex) && d.algorithm.equals(algorithm);
    }

    @Override
    public int hashCode() {
        return hex.hashCode();
    }

    @Override
    public String toString() {
        return algorithm + ":" + hex;
    }

    @Override
    public int compareTo(Digest o) {
        return toString().compareTo(o.toString());
    }
}
