package dev.jbuild.core.output;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** One {@code --output} value as buildx writes it: {@code type=oci,dest=out.tar} (or a bare path for local). */
public record OutputSpec(String type, Map<String, String> attributes) {
    public static final Set<String> TYPES = Set.of("oci", "docker", "local", "tar", "image");

    public static OutputSpec parse(String value) {
        Map<String, String> attrs = new LinkedHashMap<>();
        if (!value.contains("=")) {
            // buildx: "-o DIR" means type=local,dest=DIR, and "-o -" a tar on stdout
            attrs.put("dest", value);
            return new OutputSpec(value.equals("-") ? "tar" : "local", attrs);
        }
        for (String part : value.split(",")) {
            int eq = part.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("invalid --output \"" + value + "\": \"" + part + "\" is not key=value");
            }
            attrs.put(part.substring(0, eq).trim().toLowerCase(Locale.ROOT), part.substring(eq + 1).trim());
        }
        String type = attrs.remove("type");
        if (type == null) {
            throw new IllegalArgumentException("invalid --output \"" + value + "\": type= is missing");
        }
        type = type.toLowerCase(Locale.ROOT);
        if (!TYPES.contains(type)) {
            throw new IllegalArgumentException("invalid --output \"" + value + "\": unknown type \"" + type
                    + "\" (oci, docker, local, tar or image)");
        }
        if (!type.equals("image") && !attrs.containsKey("dest")) {
            throw new IllegalArgumentException("invalid --output \"" + value + "\": dest= is missing");
        }
        return new OutputSpec(type, attrs);
    }

    public String dest() {
        return attributes.get("dest");
    }
}
