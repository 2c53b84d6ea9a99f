package dev.jbuild.oci;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Hand-written JSON codecs for the OCI records. Written by hand rather than with annotations so that every
 * field's name, position and Go {@code omitempty} rule is visible in one place and cannot drift with Jackson's
 * record introspection. Reading is tolerant like Go's {@code json.Unmarshal}: unknown fields are ignored (or kept,
 * for configs), JSON null means absent, and a key matches a field case-insensitively when no exact match exists.
 */
final class OciCodecs {
    private OciCodecs() {}

    @FunctionalInterface
    interface Writer<T> {
        void write(JsonGenerator g, T value) throws IOException;
    }

    @FunctionalInterface
    interface Reader<T> {
        T read(JsonNode node, String where);
    }

    @FunctionalInterface
    private interface FieldWriter {
        void write() throws IOException;
    }

    /** A record type's writer and reader. */
    record Codec<T>(Class<T> type, Writer<T> writer, Reader<T> reader) {}

    /** The codecs by record type. */
    private static final Map<Class<?>, Codec<?>> CODECS = codecs();

    private static Map<Class<?>, Codec<?>> codecs() {
        Map<Class<?>, Codec<?>> m = new java.util.HashMap<>();
        put(m, new Codec<>(Digest.class, (g, d) -> g.writeString(d.toString()), OciCodecs::readDigest));
        put(m, new Codec<>(Platform.class, OciCodecs::writePlatform, OciCodecs::readPlatform));
        put(m, new Codec<>(Descriptor.class, OciCodecs::writeDescriptor, OciCodecs::readDescriptor));
        put(m, new Codec<>(Manifest.class, OciCodecs::writeManifest, OciCodecs::readManifest));
        put(m, new Codec<>(ImageIndex.class, OciCodecs::writeIndex, OciCodecs::readIndex));
        put(m, new Codec<>(ImageConfig.class, OciCodecs::writeImageConfig, OciCodecs::readImageConfig));
        put(m, new Codec<>(ContainerConfig.class, OciCodecs::writeContainerConfig, OciCodecs::readContainerConfig));
        put(m, new Codec<>(Healthcheck.class, OciCodecs::writeHealthcheck, OciCodecs::readHealthcheck));
        put(m, new Codec<>(History.class, OciCodecs::writeHistory, OciCodecs::readHistory));
        put(m, new Codec<>(RootFs.class, OciCodecs::writeRootFs, OciCodecs::readRootFs));
        put(m, new Codec<>(OciLayout.class, OciCodecs::writeLayout, OciCodecs::readLayout));
        return m;
    }

    private static void put(Map<Class<?>, Codec<?>> m, Codec<?> c) {
        m.put(c.type(), c);
    }

    /** The codec of a record type, or null when it has none (then Jackson's databind reads and writes it). */
    @SuppressWarnings("unchecked")
    static <T> Codec<T> codec(Class<T> type) {
        return (Codec<T>) CODECS.get(type);
    }

    /** The codecs as a Jackson module, for OCI records inside other values that the ObjectMapper writes. */
    static SimpleModule module() {
        SimpleModule m = new SimpleModule("jbuild-oci");
        for (Codec<?> c : CODECS.values()) {
            add(m, c);
        }
        return m;
    }

    private static <T> void add(SimpleModule m, Codec<T> c) {
        Class<T> type = c.type();
        Writer<T> w = c.writer();
        Reader<T> r = c.reader();
        m.addSerializer(type, new StdSerializer<T>(type) {
            private static final long serialVersionUID = 1L;

            @Override
            public void serialize(T value, JsonGenerator g, SerializerProvider p) throws IOException {
                w.write(g, value);
            }
        });
        m.addDeserializer(type, new StdDeserializer<T>(type) {
            private static final long serialVersionUID = 1L;

            @Override
            public T deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
                JsonNode node = ctxt.readTree(p);
                try {
                    return r.read(node, type.getSimpleName());
                } catch (IllegalArgumentException e) {
                    throw JsonMappingException.from(p, e.getMessage(), e);
                }
            }
        });
    }

    // ---------------------------------------------------------------- writing

    private static void string(JsonGenerator g, String name, String v) throws IOException {
        if (v != null && !v.isEmpty()) {
            g.writeStringField(name, v);
        }
    }

    private static void strings(JsonGenerator g, String name, List<String> v) throws IOException {
        if (!v.isEmpty()) {
            g.writeFieldName(name);
            stringArray(g, v);
        }
    }

    private static void stringArray(JsonGenerator g, Collection<String> v) throws IOException {
        g.writeStartArray();
        for (String s : v) {
            g.writeString(s);
        }
        g.writeEndArray();
    }

    private static void stringMap(JsonGenerator g, String name, Map<String, String> v) throws IOException {
        if (!v.isEmpty()) {
            TreeMap<String, String> sorted = new TreeMap<>(Values.GO_ORDER);
            sorted.putAll(v);
            g.writeObjectFieldStart(name);
            for (Map.Entry<String, String> e : sorted.entrySet()) {
                g.writeStringField(e.getKey(), e.getValue());
            }
            g.writeEndObject();
        }
    }

    /** A Go {@code map[string]struct{}}: each key with an empty object. */
    private static void keySet(JsonGenerator g, String name, Set<String> v) throws IOException {
        if (!v.isEmpty()) {
            List<String> sorted = new ArrayList<>(v);
            sorted.sort(Values.GO_ORDER);
            g.writeObjectFieldStart(name);
            for (String k : sorted) {
                g.writeFieldName(k);
                g.writeStartObject();
                g.writeEndObject();
            }
            g.writeEndObject();
        }
    }

    private static void number(JsonGenerator g, String name, long v) throws IOException {
        if (v != 0) {
            g.writeNumberField(name, v);
        }
    }

    private static void bool(JsonGenerator g, String name, boolean v) throws IOException {
        if (v) {
            g.writeBooleanField(name, true);
        }
    }

    private static void unknown(JsonGenerator g, Map<String, JsonNode> v) throws IOException {
        for (Map.Entry<String, JsonNode> e : v.entrySet()) {
            g.writeFieldName(e.getKey());
            writeNode(g, e.getValue());
        }
    }

    /**
     * A tree as Jackson's {@code writeTree} writes it with the default settings (members in their order, nulls and
     * empty arrays kept), without needing an ObjectMapper behind the generator.
     */
    static void writeNode(JsonGenerator g, JsonNode n) throws IOException {
        switch (n.getNodeType()) {
            case OBJECT -> {
                g.writeStartObject();
                for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext();) {
                    Map.Entry<String, JsonNode> e = it.next();
                    g.writeFieldName(e.getKey());
                    writeNode(g, e.getValue());
                }
                g.writeEndObject();
            }
            case ARRAY -> {
                g.writeStartArray();
                for (JsonNode e : n) {
                    writeNode(g, e);
                }
                g.writeEndArray();
            }
            case STRING -> g.writeString(n.textValue());
            case BOOLEAN -> g.writeBoolean(n.booleanValue());
            case NULL -> g.writeNull();
            case NUMBER -> {
                switch (n.numberType()) {
                    case INT -> g.writeNumber(n.intValue());
                    case LONG -> g.writeNumber(n.longValue());
                    case BIG_INTEGER -> g.writeNumber(n.bigIntegerValue());
                    case BIG_DECIMAL -> g.writeNumber(n.decimalValue());
                    case FLOAT -> g.writeNumber(n.floatValue());
                    default -> g.writeNumber(n.doubleValue());
                }
            }
            default -> throw new IllegalArgumentException("cannot write a JSON " + n.getNodeType() + " node");
        }
    }

    static void writePlatform(JsonGenerator g, Platform p) throws IOException {
        g.writeStartObject();
        g.writeStringField("architecture", p.architecture() == null ? "" : p.architecture());
        g.writeStringField("os", p.os() == null ? "" : p.os());
        string(g, "variant", p.variant());
        g.writeEndObject();
    }

    static void writeDescriptor(JsonGenerator g, Descriptor d) throws IOException {
        if (d.digest() == null) {
            throw new IllegalArgumentException("descriptor without digest: " + d);
        }
        g.writeStartObject();
        if (d.mediaType() != null) {
            g.writeStringField("mediaType", d.mediaType());
        }
        g.writeStringField("digest", d.digest().toString());
        g.writeNumberField("size", d.size());
        stringMap(g, "annotations", d.annotations());
        if (d.platform() != null) {
            g.writeFieldName("platform");
            writePlatform(g, d.platform());
        }
        g.writeEndObject();
    }

    private static void descriptors(JsonGenerator g, String name, List<Descriptor> v) throws IOException {
        g.writeArrayFieldStart(name);
        for (Descriptor d : v) {
            writeDescriptor(g, d);
        }
        g.writeEndArray();
    }

    static void writeManifest(JsonGenerator g, Manifest m) throws IOException {
        g.writeStartObject();
        g.writeNumberField("schemaVersion", m.schemaVersion());
        string(g, "mediaType", m.mediaType());
        string(g, "artifactType", m.artifactType());
        g.writeFieldName("config");
        writeDescriptor(g, m.config());
        descriptors(g, "layers", m.layers());
        if (m.subject() != null) {
            g.writeFieldName("subject");
            writeDescriptor(g, m.subject());
        }
        stringMap(g, "annotations", m.annotations());
        g.writeEndObject();
    }

    static void writeIndex(JsonGenerator g, ImageIndex x) throws IOException {
        g.writeStartObject();
        g.writeNumberField("schemaVersion", x.schemaVersion());
        string(g, "mediaType", x.mediaType());
        string(g, "artifactType", x.artifactType());
        descriptors(g, "manifests", x.manifests());
        if (x.subject() != null) {
            g.writeFieldName("subject");
            writeDescriptor(g, x.subject());
        }
        stringMap(g, "annotations", x.annotations());
        g.writeEndObject();
    }

    /** Top-level keys sorted (as BuildKit's exporter writes them), unknown fields merged into that order. */
    static void writeImageConfig(JsonGenerator g, ImageConfig c) throws IOException {
        TreeMap<String, FieldWriter> fields = new TreeMap<>(Values.GO_ORDER);
        c.unknownFields().forEach((k, v) -> fields.put(k, () -> writeNode(g, v)));
        fields.put("architecture", () -> g.writeString(c.architecture()));
        fields.put("os", () -> g.writeString(c.os()));
        fields.put("config", () -> writeContainerConfig(g, c.config()));
        fields.put("rootfs", () -> writeRootFs(g, c.rootfs()));
        if (c.created() != null) {
            fields.put("created", () -> g.writeString(c.created()));
        }
        if (c.author() != null) {
            fields.put("author", () -> g.writeString(c.author()));
        }
        if (c.osVersion() != null) {
            fields.put("os.version", () -> g.writeString(c.osVersion()));
        }
        if (!c.osFeatures().isEmpty()) {
            fields.put("os.features", () -> stringArray(g, c.osFeatures()));
        }
        if (c.variant() != null) {
            fields.put("variant", () -> g.writeString(c.variant()));
        }
        if (!c.history().isEmpty()) {
            fields.put("history", () -> {
                g.writeStartArray();
                for (History h : c.history()) {
                    writeHistory(g, h);
                }
                g.writeEndArray();
            });
        }
        g.writeStartObject();
        for (Map.Entry<String, FieldWriter> e : fields.entrySet()) {
            g.writeFieldName(e.getKey());
            e.getValue().write();
        }
        g.writeEndObject();
    }

    /** Go struct order: OCI ImageConfig, then Docker's extension; unknown fields last, sorted. */
    static void writeContainerConfig(JsonGenerator g, ContainerConfig c) throws IOException {
        g.writeStartObject();
        string(g, "User", c.user());
        keySet(g, "ExposedPorts", c.exposedPorts());
        strings(g, "Env", c.env());
        strings(g, "Entrypoint", c.entrypoint());
        strings(g, "Cmd", c.cmd());
        keySet(g, "Volumes", c.volumes());
        string(g, "WorkingDir", c.workingDir());
        stringMap(g, "Labels", c.labels());
        string(g, "StopSignal", c.stopSignal());
        bool(g, "ArgsEscaped", c.argsEscaped());
        if (c.healthcheck() != null) {
            g.writeFieldName("Healthcheck");
            writeHealthcheck(g, c.healthcheck());
        }
        strings(g, "OnBuild", c.onBuild());
        strings(g, "Shell", c.shell());
        unknown(g, c.unknownFields());
        g.writeEndObject();
    }

    static void writeHealthcheck(JsonGenerator g, Healthcheck h) throws IOException {
        g.writeStartObject();
        strings(g, "Test", h.test());
        number(g, "Interval", h.interval().toNanos());
        number(g, "Timeout", h.timeout().toNanos());
        number(g, "StartPeriod", h.startPeriod().toNanos());
        number(g, "StartInterval", h.startInterval().toNanos());
        number(g, "Retries", h.retries());
        g.writeEndObject();
    }

    static void writeHistory(JsonGenerator g, History h) throws IOException {
        g.writeStartObject();
        string(g, "created", h.created());
        string(g, "created_by", h.createdBy());
        string(g, "author", h.author());
        string(g, "comment", h.comment());
        bool(g, "empty_layer", h.emptyLayer());
        g.writeEndObject();
    }

    static void writeRootFs(JsonGenerator g, RootFs r) throws IOException {
        g.writeStartObject();
        g.writeStringField("type", r.type());
        g.writeArrayFieldStart("diff_ids");
        for (Digest d : r.diffIds()) {
            g.writeString(d.toString());
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    static void writeLayout(JsonGenerator g, OciLayout l) throws IOException {
        g.writeStartObject();
        g.writeStringField("imageLayoutVersion", l.imageLayoutVersion());
        g.writeEndObject();
    }

    // ---------------------------------------------------------------- reading

    /** The fields of one JSON object, looked up as Go's decoder does, remembering which were used. */
    static final class In {
        private final JsonNode node;
        private final String where;
        private final Set<String> used = new HashSet<>();

        In(JsonNode node, String where) {
            if (node == null || !node.isObject()) {
                throw new IllegalArgumentException(where + ": expected an object, found " + type(node));
            }
            this.node = node;
            this.where = where;
        }

        /**
         * The value for a field, or null when absent or JSON null. Keys match case-insensitively, and the last
         * matching key in the document wins, as with Go's {@code json.Unmarshal} into a struct.
         */
        JsonNode get(String name) {
            JsonNode found = null;
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equalsIgnoreCase(name)) {
                    found = e.getValue();
                    used.add(e.getKey());
                }
            }
            return found == null || found.isNull() ? null : found;
        }

        String path(String name) {
            return where + "." + name;
        }

        IllegalArgumentException bad(String name, String expected, JsonNode v) {
            return new IllegalArgumentException(path(name) + ": expected " + expected + ", found " + type(v));
        }

        String text(String name) {
            JsonNode v = get(name);
            if (v == null) {
                return null;
            }
            if (!v.isTextual()) {
                throw bad(name, "a string", v);
            }
            return v.textValue();
        }

        List<String> strings(String name) {
            JsonNode v = get(name);
            if (v == null) {
                return List.of();
            }
            if (!v.isArray()) {
                throw bad(name, "an array of strings", v);
            }
            List<String> out = new ArrayList<>();
            for (JsonNode e : v) {
                if (e.isNull()) {
                    out.add("");
                } else if (e.isTextual()) {
                    out.add(e.textValue());
                } else {
                    throw bad(name, "an array of strings", e);
                }
            }
            return out;
        }

        Map<String, String> stringMap(String name) {
            JsonNode v = get(name);
            Map<String, String> out = new LinkedHashMap<>();
            if (v == null) {
                return out;
            }
            if (!v.isObject()) {
                throw bad(name, "an object of strings", v);
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getValue().isNull()) {
                    out.put(e.getKey(), "");
                } else if (e.getValue().isTextual()) {
                    out.put(e.getKey(), e.getValue().textValue());
                } else {
                    throw bad(name + "." + e.getKey(), "a string", e.getValue());
                }
            }
            return out;
        }

        /** The keys of a Go {@code map[string]struct{}}; the values are ignored. */
        Set<String> keys(String name) {
            JsonNode v = get(name);
            Set<String> out = new HashSet<>();
            if (v == null) {
                return out;
            }
            if (!v.isObject()) {
                throw bad(name, "an object", v);
            }
            v.fieldNames().forEachRemaining(out::add);
            return out;
        }

        long number(String name) {
            JsonNode v = get(name);
            if (v == null) {
                return 0;
            }
            if (!v.isIntegralNumber() || !v.canConvertToLong()) {
                throw bad(name, "an integer", v);
            }
            return v.longValue();
        }

        int integer(String name) {
            long n = number(name);
            if (n != (int) n) {
                throw new IllegalArgumentException(path(name) + ": " + n + " is out of range");
            }
            return (int) n;
        }

        boolean bool(String name) {
            JsonNode v = get(name);
            if (v == null) {
                return false;
            }
            if (!v.isBoolean()) {
                throw bad(name, "a boolean", v);
            }
            return v.booleanValue();
        }

        <T> T object(String name, Reader<T> r) {
            JsonNode v = get(name);
            return v == null ? null : r.read(v, path(name));
        }

        <T> List<T> objects(String name, Reader<T> r) {
            JsonNode v = get(name);
            if (v == null) {
                return List.of();
            }
            if (!v.isArray()) {
                throw bad(name, "an array", v);
            }
            List<T> out = new ArrayList<>();
            int i = 0;
            for (JsonNode e : v) {
                if (e.isNull()) {
                    throw bad(name + "[" + i + "]", "a value", e);
                }
                out.add(r.read(e, path(name) + "[" + i + "]"));
                i++;
            }
            return out;
        }

        /** Fields not asked for, in document order. */
        Map<String, JsonNode> unknown() {
            Map<String, JsonNode> out = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!used.contains(e.getKey())) {
                    out.put(e.getKey(), e.getValue());
                }
            }
            return out;
        }
    }

    private static String type(JsonNode v) {
        if (v == null) {
            return "nothing";
        }
        return switch (v.getNodeType()) {
            case STRING -> "string \"" + v.textValue() + "\"";
            case NUMBER, BOOLEAN, NULL -> v.getNodeType().name().toLowerCase(java.util.Locale.ROOT) + " " + v;
            default -> v.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
        };
    }

    static Digest readDigest(JsonNode n, String where) {
        if (!n.isTextual()) {
            throw new IllegalArgumentException(where + ": expected a digest string, found " + type(n));
        }
        try {
            return Digest.parse(n.textValue());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
    }

    static Platform readPlatform(JsonNode n, String where) {
        In in = new In(n, where);
        return new Platform(in.text("os"), in.text("architecture"), in.text("variant"));
    }

    static Descriptor readDescriptor(JsonNode n, String where) {
        In in = new In(n, where);
        Digest digest = in.object("digest", OciCodecs::readDigest);
        if (digest == null) {
            throw new IllegalArgumentException(in.path("digest") + ": missing");
        }
        long size = in.number("size");
        if (size < 0) {
            throw new IllegalArgumentException(in.path("size") + ": negative size " + size);
        }
        return new Descriptor(in.text("mediaType"), digest, size, in.object("platform", OciCodecs::readPlatform),
                in.stringMap("annotations"));
    }

    static Manifest readManifest(JsonNode n, String where) {
        In in = new In(n, where);
        Descriptor config = in.object("config", OciCodecs::readDescriptor);
        if (config == null) {
            throw new IllegalArgumentException(in.path("config") + ": missing");
        }
        return new Manifest(in.integer("schemaVersion"), in.text("mediaType"), in.text("artifactType"), config,
                in.objects("layers", OciCodecs::readDescriptor), in.object("subject", OciCodecs::readDescriptor),
                in.stringMap("annotations"));
    }

    static ImageIndex readIndex(JsonNode n, String where) {
        In in = new In(n, where);
        return new ImageIndex(in.integer("schemaVersion"), in.text("mediaType"), in.text("artifactType"),
                in.objects("manifests", OciCodecs::readDescriptor), in.object("subject", OciCodecs::readDescriptor),
                in.stringMap("annotations"));
    }

    static ImageConfig readImageConfig(JsonNode n, String where) {
        In in = new In(n, where);
        return new ImageConfig(in.text("created"), in.text("author"), in.text("architecture"),
                in.text("os"), in.text("os.version"), in.strings("os.features"), in.text("variant"),
                in.object("config", OciCodecs::readContainerConfig), in.object("rootfs", OciCodecs::readRootFs),
                in.objects("history", OciCodecs::readHistory), in.unknown()); // unknown() last: see above
    }

    static ContainerConfig readContainerConfig(JsonNode n, String where) {
        In in = new In(n, where);
        return new ContainerConfig(in.text("User"), in.keys("ExposedPorts"), in.strings("Env"),
                in.strings("Entrypoint"), in.strings("Cmd"), in.keys("Volumes"), in.text("WorkingDir"),
                in.stringMap("Labels"), in.text("StopSignal"), in.bool("ArgsEscaped"),
                in.object("Healthcheck", OciCodecs::readHealthcheck), in.strings("OnBuild"), in.strings("Shell"),
                in.unknown()); // arguments are evaluated left to right: unknown() sees every field used
    }

    static Healthcheck readHealthcheck(JsonNode n, String where) {
        In in = new In(n, where);
        return new Healthcheck(in.strings("Test"), Duration.ofNanos(in.number("Interval")),
                Duration.ofNanos(in.number("Timeout")), Duration.ofNanos(in.number("StartPeriod")),
                Duration.ofNanos(in.number("StartInterval")), in.integer("Retries"));
    }

    static History readHistory(JsonNode n, String where) {
        In in = new In(n, where);
        return new History(in.text("created"), in.text("created_by"), in.text("author"), in.text("comment"),
                in.bool("empty_layer"));
    }

    static RootFs readRootFs(JsonNode n, String where) {
        In in = new In(n, where);
        return new RootFs(in.text("type"), in.objects("diff_ids", OciCodecs::readDigest));
    }

    static OciLayout readLayout(JsonNode n, String where) {
        In in = new In(n, where);
        String v = in.text("imageLayoutVersion");
        if (v == null) {
            throw new IllegalArgumentException(in.path("imageLayoutVersion") + ": missing");
        }
        return new OciLayout(v);
    }
}
