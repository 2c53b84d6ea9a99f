package dev.jbuild.core.instructions;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import dev.jbuild.dockerfile.ast.Flag;

/**
 * The flags of one instruction, declared by the instruction and then parsed with BuildKit's rules
 * (instructions/bflag.go): {@code --name=value} for strings, {@code --name[=true|false]} for
 * booleans, repeatable string lists, unknown flags rejected with a suggestion.
 */
final class BuildFlags {
    private enum Kind { BOOL, STRING, STRINGS }

    private final List<Flag> args;
    private final Map<String, Kind> declared = new LinkedHashMap<>();
    private final Map<String, String> values = new HashMap<>();
    private final Map<String, List<String>> lists = new HashMap<>();

    BuildFlags(List<Flag> args) {
        this.args = args;
    }

    BuildFlags bool(String name) {
        declared.put(name, Kind.BOOL);
        return this;
    }

    BuildFlags string(String name) {
        declared.put(name, Kind.STRING);
        return this;
    }

    BuildFlags strings(String name) {
        declared.put(name, Kind.STRINGS);
        return this;
    }

    void parse() throws InstructionException {
        for (Flag flag : args) {
            try {
                parse(flag.text());
            } catch (InstructionException e) {
                throw new InstructionException(e.getMessage(), flag.range());
            }
        }
    }

    private void parse(String a) throws InstructionException {
        if (a.equals("--")) {
            return;
        }
        if (!a.startsWith("--")) {
            throw new InstructionException("arg should start with -- : " + a);
        }
        int eq = a.indexOf('=');
        String flagName = eq < 0 ? a : a.substring(0, eq);
        String value = eq < 0 ? "" : a.substring(eq + 1);
        boolean hasValue = eq >= 0;
        String name = flagName.substring(2);
        Kind kind = declared.get(name);
        if (kind == null) {
            throw new InstructionException(
                    Suggest.wrap("unknown flag: " + flagName, name, declared.keySet(), true));
        }
        if (kind != Kind.STRINGS && values.containsKey(name)) {
            throw new InstructionException("duplicate flag specified: " + flagName);
        }
        switch (kind) {
            case BOOL -> {
                if (hasValue && value.isEmpty()) {
                    throw new InstructionException("missing a value on flag: " + flagName);
                }
                switch (value.toLowerCase(Locale.ROOT)) {
                    case "true", "" -> values.put(name, "true");
                    case "false" -> values.put(name, "false");
                    default -> throw new InstructionException(
                            "expecting boolean value for flag " + flagName + ", not: " + value);
                }
            }
            case STRING -> {
                if (!hasValue) {
                    throw new InstructionException("missing a value on flag: " + flagName);
                }
                values.put(name, value);
            }
            case STRINGS -> {
                if (!hasValue) {
                    throw new InstructionException("missing a value on flag: " + flagName);
                }
                values.put(name, value);
                lists.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
            }
        }
    }

    boolean used(String name) {
        return values.containsKey(name);
    }

    String string(String name, String defaultValue) {
        return values.getOrDefault(name, defaultValue);
    }

    boolean isTrue(String name) {
        return "true".equals(values.get(name));
    }

    /** The flag's boolean value, or null when it was not given. */
    Boolean optionalBool(String name) {
        return values.containsKey(name) ? isTrue(name) : null;
    }

    List<String> list(String name) {
        return lists.getOrDefault(name, List.of());
    }
}
