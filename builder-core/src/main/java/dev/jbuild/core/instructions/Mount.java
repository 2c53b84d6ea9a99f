package dev.jbuild.core.instructions;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * A {@code RUN --mount=...} option with BuildKit's fields, defaults and validation
 * (instructions/commands_runmount.go). Values are expanded when the parse is given an expander;
 * without one (at instruction parse time) only the structure is checked.
 */
public record Mount(
        String type,
        String from,
        String source,
        String target,
        boolean readOnly,
        long sizeLimit,
        String cacheId,
        String sharing,
        boolean required,
        String env,
        Integer mode,
        Long uid,
        Long gid) {

    public static final Set<String> TYPES = Set.of("bind", "cache", "tmpfs", "secret", "ssh");
    public static final Set<String> SHARING_MODES = Set.of("shared", "private", "locked");
    private static final List<String> KEYS = List.of("type", "from", "source", "target", "readonly", "id", "sharing",
            "required", "size", "mode", "uid", "gid", "src", "dst", "destination", "ro", "rw", "readwrite", "env");

    /** Parses one {@code --mount} value; with a null expander values are checked but not read. */
    static Mount parse(String value, UnaryOperator<String> expander) throws InstructionException {
        String type = "bind";
        String from = "";
        String source = "";
        String target = "";
        boolean readOnly = false;
        boolean roAuto = true;
        long size = 0;
        String id = "";
        String sharing = "";
        boolean required = false;
        String env = null;
        Integer mode = null;
        Long uid = null;
        Long gid = null;
        for (String field : csvFields(value)) {
            int eq = field.indexOf('=');
            String key = (eq < 0 ? field : field.substring(0, eq)).toLowerCase(Locale.ROOT);
            String v = eq < 0 ? "" : field.substring(eq + 1);
            if (eq < 0) {
                if (expander == null) {
                    continue;
                }
                switch (key) {
                    case "readonly", "ro" -> {
                        readOnly = true;
                        roAuto = false;
                    }
                    case "readwrite", "rw" -> {
                        readOnly = false;
                        roAuto = false;
                    }
                    case "required" -> {
                        if (!type.equals("secret") && !type.equals("ssh")) {
                            throw new InstructionException("unexpected key '" + key + "' for mount type '" + type + "'");
                        }
                        required = true;
                    }
                    default -> throw new InstructionException("invalid field '" + field + "' must be a key=value pair");
                }
                continue;
            }
            if (expander != null) {
                v = expander.apply(v);
            } else if (key.equals("from")) {
                int dollar = v.indexOf('$');
                if (dollar != -1 && dollar != v.length() - 1) {
                    throw new InstructionException(
                            "'from' doesn't support variable expansion, define alias stage instead");
                }
                continue;
            } else {
                continue;
            }
            switch (key) {
                case "type" -> {
                    String t = v.toLowerCase(Locale.ROOT);
                    if (!TYPES.contains(t)) {
                        throw new InstructionException(
                                Suggest.wrap("unsupported mount type \"" + v + "\"", v, TYPES, true));
                    }
                    type = t;
                }
                case "from" -> from = v;
                case "source", "src" -> source = v;
                case "target", "dst", "destination" -> target = v;
                case "readonly", "ro" -> {
                    readOnly = parseBool(key, v);
                    roAuto = false;
                }
                case "readwrite", "rw" -> {
                    readOnly = !parseBool(key, v);
                    roAuto = false;
                }
                case "required" -> {
                    if (!type.equals("secret") && !type.equals("ssh")) {
                        throw new InstructionException("unexpected key '" + key + "' for mount type '" + type + "'");
                    }
                    required = parseBool(key, v);
                }
                case "size" -> {
                    if (!type.equals("tmpfs")) {
                        throw new InstructionException("unexpected key '" + key + "' for mount type '" + type + "'");
                    }
                    size = ramInBytes(key, v);
                }
                case "id" -> id = v;
                case "sharing" -> {
                    String s = v.toLowerCase(Locale.ROOT);
                    if (!SHARING_MODES.contains(s)) {
                        throw new InstructionException(
                                Suggest.wrap("unsupported sharing value \"" + v + "\"", v, SHARING_MODES, true));
                    }
                    sharing = s;
                }
                case "mode" -> mode = (int) parseUnsigned(v, 8, "mode");
                case "uid" -> uid = parseUnsigned(v, 10, "uid");
                case "gid" -> gid = parseUnsigned(v, 10, "gid");
                case "env" -> env = v;
                default -> throw new InstructionException(Suggest.wrap(
                        "unexpected key '" + key + "' in '" + field + "'", key, KEYS, true));
            }
        }
        boolean fileInfoAllowed = type.equals("secret") || type.equals("ssh") || type.equals("cache");
        if (!fileInfoAllowed) {
            if (mode != null) {
                throw new InstructionException("mode not allowed for \"" + type + "\" type mounts");
            }
            if (uid != null) {
                throw new InstructionException("uid not allowed for \"" + type + "\" type mounts");
            }
            if (gid != null) {
                throw new InstructionException("gid not allowed for \"" + type + "\" type mounts");
            }
        }
        if (roAuto) {
            readOnly = !(type.equals("cache") || type.equals("tmpfs"));
        }
        if (type.equals("secret")) {
            if (!from.isEmpty()) {
                throw new InstructionException("secret mount should not have a from");
            }
            if (!sharing.isEmpty()) {
                throw new InstructionException("secret mount should not define sharing");
            }
            if (expander != null && source.isEmpty() && target.isEmpty() && id.isEmpty()) {
                throw new InstructionException("invalid secret mount. one of source, target required");
            }
            if (!source.isEmpty() && !id.isEmpty()) {
                throw new InstructionException("both source and id can't be set");
            }
        }
        if (!sharing.isEmpty() && !type.equals("cache")) {
            throw new InstructionException("invalid cache sharing set for " + type + " mount");
        }
        return new Mount(type, from, source, target, readOnly, size, id, sharing, required, env, mode, uid, gid);
    }

    private static boolean parseBool(String key, String v) throws InstructionException {
        // Go's strconv.ParseBool
        switch (v) {
            case "1", "t", "T", "TRUE", "true", "True":
                return true;
            case "0", "f", "F", "FALSE", "false", "False":
                return false;
            default:
                throw new InstructionException("invalid value for " + key + ": " + v);
        }
    }

    private static long parseUnsigned(String v, int radix, String what) throws InstructionException {
        try {
            long n = Long.parseLong(v, radix);
            if (n < 0 || n > 0xFFFFFFFFL || v.startsWith("+") || v.startsWith("-")) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new InstructionException("invalid value " + v + " for " + what);
        }
    }

    /** docker/go-units RAMInBytes: a number with an optional binary unit (k, m, g, t, p; "b" optional). */
    private static long ramInBytes(String key, String v) throws InstructionException {
        java.util.regex.Matcher m = java.util.regex.Pattern
                .compile("(?i)^(\\d+(?:\\.\\d+)?) ?([kmgtp])?b?$").matcher(v);
        if (!m.matches()) {
            throw new InstructionException("invalid value for " + key + ": " + v);
        }
        double n = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "" : m.group(2).toLowerCase(Locale.ROOT);
        int shift = switch (unit) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            case "t" -> 40;
            case "p" -> 50;
            default -> 0;
        };
        return (long) (n * (1L << shift));
    }

    /** One CSV record with encoding/csv's quoting rules (quoted fields, "" for a quote). */
    static List<String> csvFields(String line) throws InstructionException {
        List<String> out = new ArrayList<>();
        StringBuilder sb = new StringBuilder();
        int i = 0;
        int n = line.length();
        while (true) {
            sb.setLength(0);
            if (i < n && line.charAt(i) == '"') {
                i++;
                while (true) {
                    if (i >= n) {
                        throw new InstructionException("failed to parse csv mounts: extraneous or missing \" in quoted-field");
                    }
                    char c = line.charAt(i++);
                    if (c == '"') {
                        if (i < n && line.charAt(i) == '"') {
                            sb.append('"');
                            i++;
                            continue;
                        }
                        break;
                    }
                    sb.append(c);
                }
                if (i < n && line.charAt(i) != ',') {
                    throw new InstructionException("failed to parse csv mounts: extraneous or missing \" in quoted-field");
                }
            } else {
                while (i < n && line.charAt(i) != ',') {
                    char c = line.charAt(i++);
                    if (c == '"') {
                        throw new InstructionException("failed to parse csv mounts: bare \" in non-quoted-field");
                    }
                    sb.append(c);
                }
            }
            out.add(sb.toString());
            if (i >= n) {
                return out;
            }
            i++; // the comma
        }
    }
}
