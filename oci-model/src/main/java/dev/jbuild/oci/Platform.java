package dev.jbuild.oci;

import java.util.Locale;
import java.util.Set;

/**
 * An OCI platform (os, architecture, variant), parsed and normalised as containerd's platforms
 * package does, so that {@code linux/arm64/v8}, {@code arm64} and {@code aarch64} are one platform.
 */
public record Platform(String os, String architecture, String variant) {
    private static final Set<String> KNOWN_OS = Set.of("aix", "android", "darwin", "dragonfly", "freebsd",
            "hurd", "illumos", "ios", "js", "linux", "nacl", "netbsd", "openbsd", "plan9", "solaris", "wasip1",
            "windows", "zos");

    public Platform {
        variant = variant == null ? "" : variant;
    }

    /** The platform of this machine's JVM, normalised. */
    public static Platform host() {
        String arch = System.getProperty("os.arch", "amd64");
        String os = System.getProperty("os.name", "linux").toLowerCase(Locale.ROOT);
        if (os.startsWith("windows")) {
            os = "windows";
        } else if (os.startsWith("mac")) {
            os = "darwin";
        }
        return normalize(os, arch, "");
    }

    /** Parses {@code os[/arch[/variant]]} or a lone architecture; throws IllegalArgumentException. */
    public static Platform parse(String spec) {
        if (spec.isEmpty() || spec.contains("*")) {
            throw new IllegalArgumentException("\"" + spec + "\": invalid platform specifier");
        }
        String[] parts = spec.split("/", -1);
        for (String p : parts) {
            if (!p.matches("[A-Za-z0-9_.-]+")) {
                throw new IllegalArgumentException("\"" + spec + "\": invalid platform specifier: must be os[/arch[/variant]]");
            }
        }
        Platform host = host();
        switch (parts.length) {
            case 1 -> {
                String p = parts[0].toLowerCase(Locale.ROOT);
                if (KNOWN_OS.contains(normalizeOs(p))) {
                    return normalize(p, host.architecture(), host.variant());
                }
                return normalize(host.os(), p, "");
            }
            case 2 -> {
                return normalize(parts[0], parts[1], "");
            }
            case 3 -> {
                return normalize(parts[0], parts[1], parts[2]);
            }
            default -> throw new IllegalArgumentException(
                    "\"" + spec + "\": cannot parse platform specifier: must be os[/arch[/variant]]");
        }
    }

    private static String normalizeOs(String os) {
        String o = os.toLowerCase(Locale.ROOT);
        return o.equals("macos") ? "darwin" : o;
    }

    private static Platform normalize(String os, String arch, String variant) {
        String a = arch.toLowerCase(Locale.ROOT);
        String v = variant.toLowerCase(Locale.ROOT);
        switch (a) {
            case "i386" -> a = "386";
            case "x86_64", "x86-64", "amd64" -> {
                a = "amd64";
                if (v.equals("v1")) {
                    v = "";
                }
            }
            case "aarch64", "arm64" -> {
                a = "arm64";
                if (v.equals("8") || v.equals("v8") || v.equals("v8.0")) {
                    v = "";
                }
            }
            case "armhf" -> {
                a = "arm";
                v = "v7";
            }
            case "armel" -> {
                a = "arm";
                v = "v6";
            }
            case "arm" -> {
                switch (v) {
                    case "", "7" -> v = "v7";
                    case "5", "6", "8" -> v = "v" + v;
                    default -> { }
                }
            }
            default -> { }
        }
        return new Platform(normalizeOs(os), a, v);
    }

    /** {@code os/arch[/variant]}. */
    public String format() {
        return os + "/" + architecture + (variant.isEmpty() ? "" : "/" + variant);
    }

    @Override
    public String toString() {
        return format();
    }
}
