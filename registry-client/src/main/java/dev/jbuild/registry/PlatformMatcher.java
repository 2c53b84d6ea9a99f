package dev.jbuild.registry;

import dev.jbuild.oci.Descriptor;
import dev.jbuild.oci.Platform;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * Chooses a manifest of an image index for a platform with containerd's default rules ({@code platforms.Only}):
 * platforms are normalised ({@code aarch64} = {@code arm64}, {@code arm64/v8} = {@code arm64}, {@code arm} =
 * {@code arm/v7}, {@code x86_64} = {@code amd64}), and besides the platform itself these are accepted, in this
 * order of preference:
 * <ul>
 *   <li>arm64/v9.x: arm64/v9.{x-1..0}, then arm64/v8.{x+5..0}; arm64/v8.x: arm64/v8.{x-1..0}; then, for any
 *       arm64, arm/v8, arm/v7, arm/v6, arm/v5;
 *   <li>arm/vN: arm/v{N-1} down to arm/v5;
 *   <li>amd64/vN: amd64/v{N-1} down to amd64; and amd64: 386.
 * </ul>
 * Among manifests that match equally well the first in index order wins.
 */
public final class PlatformMatcher {
    private final Platform platform;
    private final List<Platform> vector;

    private PlatformMatcher(Platform platform) {
        this.platform = normalize(platform);
        List<Platform> v = new ArrayList<>();
        for (Platform p : vector(this.platform)) {
            v.add(normalize(p));
        }
        this.vector = Collections.unmodifiableList(v);
    }

    /** The matcher for {@code platform} (normalised first). */
    public static PlatformMatcher only(Platform platform) {
        return new PlatformMatcher(platform);
    }

    public Platform platform() {
        return platform;
    }

    /** The platforms accepted, best first. */
    public List<Platform> accepted() {
        return vector;
    }

    public boolean matches(Platform candidate) {
        return rank(candidate) >= 0;
    }

    /** 0 for the platform itself, higher for less preferred fallbacks, -1 when it does not match. */
    public int rank(Platform candidate) {
        if (candidate == null) {
            return -1;
        }
        Platform c = normalize(candidate);
        for (int i = 0; i < vector.size(); i++) {
            Platform v = vector.get(i);
            if (v.os().equals(c.os()) && v.architecture().equals(c.architecture())
                    && v.variant().equals(c.variant())) {
                return i;
            }
        }
        return -1;
    }

    /** The best match among descriptors that carry a platform (index order breaks ties). */
    public Optional<Descriptor> select(List<Descriptor> manifests) {
        Descriptor best = null;
        int bestRank = Integer.MAX_VALUE;
        for (Descriptor d : manifests) {
            int r = rank(d.platform());
            if (r >= 0 && r < bestRank) {
                best = d;
                bestRank = r;
            }
        }
        return Optional.ofNullable(best);
    }

    /** containerd's {@code platforms.Normalize}, through {@link Platform#parse}; left as is when unparsable. */
    public static Platform normalize(Platform p) {
        if (p.os().isEmpty() || p.architecture().isEmpty()) {
            return p;
        }
        try {
            return Platform.parse(p.format());
        } catch (IllegalArgumentException e) {
            return p;
        }
    }

    private static List<Platform> vector(Platform p) {
        List<Platform> v = new ArrayList<>();
        v.add(p);
        String os = p.os();
        switch (p.architecture()) {
            case "amd64" -> {
                int n = version(p.variant());
                if (n > 1) {
                    for (n--; n >= 1; n--) {
                        v.add(new Platform(os, "amd64", "v" + n));
                    }
                }
                v.add(new Platform(os, "386", ""));
            }
            case "arm" -> {
                int n = version(p.variant());
                if (n > 5) {
                    for (n--; n >= 5; n--) {
                        v.add(new Platform(os, "arm", "v" + n));
                    }
                }
            }
            case "arm64" -> {
                String variant = p.variant().isEmpty() ? "v8" : p.variant();
                int dot = variant.indexOf('.');
                String majorPart = dot < 0 ? variant : variant.substring(0, dot);
                int major = version(majorPart);
                if (major >= 8) {
                    int minor = 0;
                    if (dot >= 0 && variant.length() == 4) {
                        try {
                            minor = Integer.parseInt(variant.substring(dot + 1));
                        } catch (NumberFormatException ignored) {
                            minor = 0;
                        }
                    }
                    if (major == 9) {
                        for (int m = minor - 1; m >= 0; m--) {
                            v.add(new Platform(os, "arm64", m == 0 ? "v9" : "v9." + m));
                        }
                        // v9.0 diverged from v8.5: v9.x is compatible with v8.{x+5}
                        minor += 5;
                        major = 8;
                        v.add(new Platform(os, "arm64", "v8." + minor));
                    }
                    for (int m = minor - 1; m >= 0; m--) {
                        v.add(new Platform(os, "arm64", m == 0 ? "v" + major : "v" + major + "." + m));
                    }
                }
                if (variant.startsWith("v8.") || variant.startsWith("v9.")) {
                    variant = "v8";
                }
                v.addAll(vector(new Platform(os, "arm", variant)));
            }
            default -> { }
        }
        return v;
    }

    private static int version(String variant) {
        String s = variant.startsWith("v") ? variant.substring(1) : variant;
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    @Override
    public String toString() {
        return "PlatformMatcher[" + platform + "]";
    }
}
