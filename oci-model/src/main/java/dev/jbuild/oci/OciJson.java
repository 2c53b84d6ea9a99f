package dev.jbuild.oci;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * The one JSON setup for OCI documents. Digests are taken over serialised bytes (a config's digest is the image
 * ID, a manifest's digest names the image), so {@link #write} must give the same bytes for the same content, and
 * ideally the bytes a Go tool (BuildKit, containerd) would give:
 *
 * <ul>
 *   <li>compact, UTF-8, no trailing newline; fields in Go struct order (sorted for a config's top level, which
 *       BuildKit writes from a Go map); Go's {@code omitempty} rules (see each record);
 *   <li>map keys sorted in Go's order (UTF-8 byte order), whatever order the caller's map had;
 *   <li>strings escaped as Go's {@code json.Marshal} (1.22+) escapes them, including its HTML-safe escaping of
 *       {@code < > &} as &#92;u003c &#92;u003e &#92;u0026 and U+2028/U+2029 (see {@link GoEscaping}).
 * </ul>
 *
 * <p>One difference from Go remains: a lone UTF-16 surrogate (which no Go string can hold) is written as a
 * lower-case &#92;udXXX escape, where Go would write the replacement character for the invalid bytes.
 *
 * <p>Reading ({@link #read}) is tolerant as Go's decoder is: unknown fields are ignored (image configs keep
 * them), null means absent, keys match case-insensitively; malformed input is an IllegalArgumentException
 * naming the field. Note that re-writing a document read from elsewhere need not reproduce its bytes (BuildKit
 * indents manifests, for one): keep the original bytes when their digest matters.
 */
public final class OciJson {
    private OciJson() {}

    /**
     * The generator settings: Go's escaping and UTF-8. OCI records are written with a generator of this factory and
     * read with {@link JsonReader}: Jackson's ObjectMapper, whose set-up alone cost a no-op build ~20 ms of CPU, is
     * made only for other values ({@link Databind}).
     */
    private static final JsonFactory FACTORY = new JsonFactoryBuilder()
            .disable(JsonWriteFeature.ESCAPE_NON_ASCII)
            .disable(JsonWriteFeature.WRITE_HEX_UPPER_CASE) // lower-case hex in control escapes, as Go
            // supplementary characters as raw 4-byte UTF-8, as Go writes them, not as escaped surrogate pairs
            .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8)
            .build();

    /** The ObjectMapper for values without a codec of their own (maps, trees), made on first use. */
    private static final class Databind {
        static final ObjectMapper MAPPER = build();
    }

    private static ObjectMapper build() {
        return JsonMapper.builder(FACTORY.copy())
                .addModule(OciCodecs.module())
                .disable(SerializationFeature.INDENT_OUTPUT)
                .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
                .build();
    }

    /**
     * Deterministic compact JSON of an OCI record (or of any value Jackson can write; plain maps are then sorted
     * by key in Java's order, and a JsonNode keeps its own field order).
     */
    public static byte[] write(Object value) {
        OciCodecs.Codec<?> codec = value == null ? null : OciCodecs.codec(value.getClass());
        if (codec != null) {
            return GoEscaping.htmlEscape(write(codec, value));
        }
        try {
            return GoEscaping.htmlEscape(Databind.MAPPER.writeValueAsBytes(value));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot serialise " + describe(value) + ": " + e.getOriginalMessage(), e);
        }
    }

    private static <T> byte[] write(OciCodecs.Codec<T> codec, Object value) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(512);
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            codec.writer().write(g, codec.type().cast(value));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot serialise " + describe(value) + ": " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return out.toByteArray();
    }

    /** The sha256 of {@link #write}'s bytes: the digest a descriptor of this document must carry. */
    public static Digest digest(Object value) {
        return Digest.sha256(write(value));
    }

    /** Parses JSON into an OCI record (or any Jackson-readable type), ignoring unknown fields. */
    public static <T> T read(byte[] json, Class<T> type) {
        OciCodecs.Codec<T> codec = OciCodecs.codec(type);
        if (codec != null) {
            try {
                JsonNode node = JsonReader.tree(json);
                return node.isNull() ? null : codec.reader().read(node, type.getSimpleName());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("invalid " + type.getSimpleName() + " JSON: " + e.getMessage(), e);
            }
        }
        try {
            return Databind.MAPPER.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("invalid " + type.getSimpleName() + " JSON: " + e.getOriginalMessage(),
                    e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses JSON into a tree, e.g. to look at {@code mediaType} before choosing a record type. */
    public static JsonNode tree(byte[] json) {
        try {
            return JsonReader.tree(json);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid JSON: " + e.getMessage(), e);
        }
    }

    /**
     * An instant as Go's {@code time.Time} marshals a UTC time (RFC 3339 with nanoseconds, trailing zeros and
     * an all-zero fraction dropped, {@code Z}), e.g. {@code 2024-01-02T03:04:05.5Z}; for {@code created} fields,
     * so that a timestamp jbuild writes equals the one BuildKit writes for the same instant.
     */
    public static String formatTime(Instant instant) {
        OffsetDateTime t = instant.atOffset(ZoneOffset.UTC);
        if (t.getYear() < 0 || t.getYear() > 9999) {
            throw new IllegalArgumentException("year outside of range [0,9999]: " + instant);
        }
        // Digits by hand, not String.format: its first call looks up the locale's number symbols through the service
        // loader, which opens the jar (~12 ms of CPU in a command whose classes come from the AOT cache).
        StringBuilder b = new StringBuilder(30);
        digits(b, t.getYear(), 4).append('-');
        digits(b, t.getMonthValue(), 2).append('-');
        digits(b, t.getDayOfMonth(), 2).append('T');
        digits(b, t.getHour(), 2).append(':');
        digits(b, t.getMinute(), 2).append(':');
        digits(b, t.getSecond(), 2);
        int nano = t.getNano();
        if (nano != 0) {
            int width = 9;
            while (nano % 10 == 0) {
                nano /= 10;
                width--;
            }
            digits(b.append('.'), nano, width);
        }
        return b.append('Z').toString();
    }

    /** VALUE (not negative) in ASCII decimal digits, zero-padded to WIDTH. */
    private static StringBuilder digits(StringBuilder b, int value, int width) {
        String d = Integer.toString(value);
        for (int i = d.length(); i < width; i++) {
            b.append('0');
        }
        return b.append(d);
    }

    private static String describe(Object value) {
        return value == null ? "null" : value.getClass().getSimpleName();
    }
}
