package dev.jbuild.core.output;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One {@code --output} value as buildx writes it: {@code type=oci,dest=out.tar} (or a bare path for local), and
 * {@code type=image,name=REF[,name=REF2],push=true} ({@code type=registry} meaning {@code push=true}). A value may
 * be double-quoted as in CSV ({@code "name=a,b"}); names given twice, or comma-separated, are all kept.
 */
public record OutputSpec(String type, Map<String, String> attributes) {
    public static final Set<String> TYPES = Set.of("oci", "docker", "local", "tar", "image", "registry");

    public static OutputSpec parse(String value) {
        Map<String, String> attrs = new LinkedHashMap<>();
        if (!value.contains("=")) {
            // buildx: "-o DIR" means type=local,dest=DIR, and "-o -" a tar on stdout
            attrs.put("dest", value);
            return new OutputSpec(value.equals("-") ? "tar" : "local", attrs);
        }
        for (String part : fields(value)) {
            int eq = part.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("invalid --output \"" + value + "\": \"" + part + "\" is not key=value");
            }
            String key = part.substring(0, eq).trim().toLowerCase(Locale.ROOT);
            String v = part.substring(eq + 1).trim();
            attrs.merge(key, v, (a, b) -> key.equals("name") ? a + "," + b : b);
        }
        String type = attrs.remove("type");
        if (type == null) {
            throw new IllegalArgumentException("invalid --output \"" + value + "\": type= is missing");
        }
        type = type.toLowerCase(Locale.ROOT);
        if (!TYPES.contains(type)) {
            throw new IllegalArgumentException("invalid --output \"" + value + "\": unknown type \"" + type
                    + "\" (oci, docker, local, tar, image or registry)");
        }
        if (!isImage(type) && !attrs.containsKey("dest")) {
            throw new IllegalArgumentException("invalid --output \"" + value + "\": dest= is missing");
        }
        String push = attrs.get("push");
        if (push != null && !push.equalsIgnoreCase("true") && !push.equalsIgnoreCase("false")) {
            throw new IllegalArgumentException("invalid --output \"" + value + "\": push must be true or false, not \""
                    + push + "\"");
        }
        return new OutputSpec(type, attrs);
    }

    /** The comma-separated fields of a value, double quotes grouping (and removed) as in CSV. */
    private static List<String> fields(String value) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"') {
                if (quoted && i + 1 < value.length() && value.charAt(i + 1) == '"') {
                    cur.append('"');
                    i++;
                } else {
                    quoted = !quoted;
                }
            } else if (c == ',' && !quoted) {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        if (quoted) {
            throw new IllegalArgumentException("invalid --output \"" + value + "\": unterminated quote");
        }
        out.add(cur.toString());
        return out;
    }

    private static boolean isImage(String type) {
        return type.equals("image") || type.equals("registry");
    }

    public String dest() {
        return attributes.get("dest");
    }

    /** An image output ({@code type=image} or {@code type=registry}): the result is named, perhaps pushed. */
    public boolean isImage() {
        return isImage(type);
    }

    /** The names of an image output ({@code name=}), in order; empty when none (the build's tags are used). */
    public List<String> names() {
        List<String> out = new ArrayList<>();
        String n = attributes.get("name");
        if (n != null) {
            for (String s : n.split(",")) {
                if (!s.isBlank() && !out.contains(s.trim())) {
                    out.add(s.trim());
                }
            }
        }
        return out;
    }

    /** An image output to push: {@code type=registry}, or {@code push=true}. */
    public boolean push() {
        return type.equals("registry") || "true".equalsIgnoreCase(attributes.get("push"));
    }
}
