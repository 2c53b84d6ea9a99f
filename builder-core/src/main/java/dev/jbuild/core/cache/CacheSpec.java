package dev.jbuild.core.cache;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One {@code --cache-to} or {@code --cache-from} value as buildx writes it:
 * {@code type=registry,ref=REF[,mode=min|max][,mounts=true]}, {@code type=local,dest=DIR} (export) or
 * {@code type=local,src=DIR} (import), {@code type=inline} (export only: the cache rides in the image config), and
 * for {@code --cache-from} a bare {@code REF}, meaning {@code type=registry,ref=REF} (an image with inline cache, or
 * a cache artifact). {@code ignore-error=true} makes a failed export a warning, as in buildx.
 */
public record CacheSpec(String type, Map<String, String> attributes) {
    private static final Set<String> TYPES = Set.of("registry", "local", "inline");
    /** buildx attributes that mean nothing here (our format has one layout) but must not be errors. */
    private static final Set<String> IGNORED = Set.of("oci-mediatypes", "image-manifest", "compression",
            "compression-level", "force-compression", "store", "tag");

    public CacheSpec {
        attributes = Map.copyOf(attributes);
    }

    public static CacheSpec parseFrom(String value) {
        return parse(value, false);
    }

    public static CacheSpec parseTo(String value) {
        return parse(value, true);
    }

    private static CacheSpec parse(String value, boolean export) {
        String flag = export ? "--cache-to" : "--cache-from";
        Map<String, String> attrs = new LinkedHashMap<>();
        if (!value.contains("=")) {
            if (export) {
                throw new IllegalArgumentException("invalid " + flag + " \"" + value
                        + "\": expected type=registry,ref=REF, type=local,dest=DIR or type=inline");
            }
            attrs.put("ref", value.trim());
            return new CacheSpec("registry", attrs);
        }
        for (String part : value.split(",")) {
            int eq = part.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("invalid " + flag + " \"" + value + "\": \"" + part
                        + "\" is not key=value");
            }
            attrs.put(part.substring(0, eq).trim().toLowerCase(Locale.ROOT), part.substring(eq + 1).trim());
        }
        String type = attrs.remove("type");
        if (type == null) {
            throw new IllegalArgumentException("invalid " + flag + " \"" + value + "\": type= is missing");
        }
        type = type.toLowerCase(Locale.ROOT);
        if (!TYPES.contains(type)) {
            throw new IllegalArgumentException("invalid " + flag + " \"" + value + "\": unknown type \"" + type
                    + "\" (registry, local or inline)");
        }
        String need = switch (type) {
            case "registry" -> "ref";
            case "local" -> export ? "dest" : "src";
            default -> null;
        };
        if (need != null && (attrs.get(need) == null || attrs.get(need).isEmpty())) {
            throw new IllegalArgumentException("invalid " + flag + " \"" + value + "\": " + need + "= is missing");
        }
        if (type.equals("inline") && !export) {
            throw new IllegalArgumentException("invalid --cache-from \"" + value
                    + "\": inline cache is read from an image: give --cache-from IMAGE (or type=registry,ref=IMAGE)");
        }
        Set<String> known = Set.of("ref", "dest", "src", "mode", "mounts", "ignore-error");
        for (String k : attrs.keySet()) {
            if (!known.contains(k) && !IGNORED.contains(k)) {
                throw new IllegalArgumentException("invalid " + flag + " \"" + value + "\": unknown attribute \""
                        + k + "\"");
            }
        }
        String mode = attrs.getOrDefault("mode", "min");
        if (!mode.equals("min") && !mode.equals("max")) {
            throw new IllegalArgumentException("invalid " + flag + " \"" + value + "\": mode must be min or max, not \""
                    + mode + "\"");
        }
        if (type.equals("inline") && mode.equals("max")) {
            throw new IllegalArgumentException("invalid " + flag + " \"" + value
                    + "\": inline cache has only the image's own steps (mode=min), as in BuildKit");
        }
        for (String b : new String[] {"mounts", "ignore-error"}) {
            String v = attrs.get(b);
            if (v != null && !v.equals("true") && !v.equals("false")) {
                throw new IllegalArgumentException("invalid " + flag + " \"" + value + "\": " + b
                        + " must be true or false, not \"" + v + "\"");
            }
        }
        if (type.equals("inline") && mounts(attrs)) {
            throw new IllegalArgumentException("invalid " + flag + " \"" + value
                    + "\": cache mounts need a cache artifact (type=registry or type=local), not inline");
        }
        return new CacheSpec(type, attrs);
    }

    private static boolean mounts(Map<String, String> attrs) {
        return "true".equals(attrs.get("mounts"));
    }

    public boolean isInline() {
        return type.equals("inline");
    }

    /** mode=max: every stage's steps; else only those of the image built. */
    public boolean max() {
        return "max".equals(attributes.get("mode"));
    }

    /** mounts=true: {@code RUN --mount=type=cache} directories go with the cache. */
    public boolean mounts() {
        return mounts(attributes);
    }

    public boolean ignoreError() {
        return "true".equals(attributes.get("ignore-error"));
    }

    public String ref() {
        return attributes.get("ref");
    }

    public Path dir() {
        String d = attributes.containsKey("dest") ? attributes.get("dest") : attributes.get("src");
        return d == null ? null : Path.of(d);
    }

    /** How messages name it: the reference, the directory, or "inline". */
    public String describe() {
        return switch (type) {
            case "registry" -> ref();
            case "local" -> dir().toString();
            default -> "inline";
        };
    }
}
