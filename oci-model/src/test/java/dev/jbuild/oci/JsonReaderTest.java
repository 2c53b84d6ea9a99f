package dev.jbuild.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@link JsonReader} against Jackson's parser, which OciJson read with before: the same trees (node classes, member
 * order, exact numbers) for what Jackson accepts, a refusal for what it refuses.
 */
class JsonReaderTest {
    /** Jackson as OciJson had it set up for reading. */
    private static final ObjectMapper JACKSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
            .build();

    @Test
    void readsDocumentsAsJacksonDoes() throws IOException {
        List<Path> docs = new ArrayList<>();
        try (Stream<Path> s = Files.list(OciSchemas.shared().dir())) {
            s.filter(p -> p.toString().endsWith(".json")).forEach(docs::add);
        }
        try (Stream<Path> s = Files.walk(Path.of("src/test/resources/golden"))) {
            s.filter(p -> p.toString().endsWith(".json")).forEach(docs::add);
        }
        assertTrue(docs.size() >= 10, "documents found: " + docs);
        for (Path p : docs) {
            byte[] b = Files.readAllBytes(p);
            same(JACKSON.readTree(b), JsonReader.tree(b), p.toString());
        }
    }

    @Test
    void edgeCasesReadAsJacksonReadsThem() throws IOException {
        String[] valid = {
            "{}", "[]", " \t\r\n{ } ", "0", "-0", "\"\"", "true", "false", "null",
            "[1, -0, 0.5, 1e3, 1E-3, -1.50, 1.0e+2, 2147483647, 2147483648, -2147483648, -2147483649,"
                    + " 9223372036854775807, 9223372036854775808, -9223372036854775808, -9223372036854775809,"
                    + " 123456789012345678901234567890, 0.000000000000000000000000001, 1234567890.0987654321]",
            "\"\\u00e9\\ud83d\\ude00 \\ud800 \\uDFFF \\u0000\"",
            "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"",
            "\"é😀 ü\\n€\"",
            "{\"a\":1,\"b\":2,\"a\":3}",
            "{\"b\":{\"c\":[[],[{}],{\"d\":null}]},\"a\":[true,false,null]}",
            "\uFEFF{\"bom\":1}",
            "[" + "[".repeat(998) + "]".repeat(998) + "]",
        };
        for (String v : valid) {
            byte[] b = v.getBytes(StandardCharsets.UTF_8);
            same(JACKSON.readTree(b), JsonReader.tree(b), v);
        }
    }

    @Test
    void refusesWhatJacksonRefuses() {
        String[] invalid = {
            "{", "[", "}", "]", "[1,]", "{\"a\":1,}", "[,1]", "{,}", "[1 2]", "{\"a\" 1}", "{a:1}", "{\"a\":}",
            "01", "-01", "-", "1.", ".5", "+1", "1e", "1e+", "0x10", "NaN", "Infinity", "-Infinity",
            "tru", "truex", "nul", "nulll", "True", "\"abc", "\"\\x\"", "\"\\u12\"", "\"\\u12g4\"", "\"a\tb\"",
            "\"a\nb\"", "{\"a\":1} x", "[1] [2]", "'a'", "/* c */ {}", "{} // c", "[1,,2]", "{\"a\":1 \"b\":2}",
            "[" + "[".repeat(1000) + "]".repeat(1000) + "]",
        };
        for (String v : invalid) {
            byte[] b = v.getBytes(StandardCharsets.UTF_8);
            assertThrows(IOException.class, () -> JACKSON.readTree(b), "Jackson refuses " + v);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JsonReader.tree(b), v);
            assertTrue(e.getMessage().matches(".* at line \\d+, column \\d+"), e.getMessage());
        }
        byte[][] badUtf8 = {{'"', (byte) 0xff, '"'}, {'"', (byte) 0xc3, '"'}, {'"', (byte) 0xe2, (byte) 0x82, '"'},
            {'"', 'a', (byte) 0x80, '"'}};
        for (byte[] b : badUtf8) {
            assertThrows(IOException.class, () -> JACKSON.readTree(b));
            assertThrows(IllegalArgumentException.class, () -> JsonReader.tree(b));
        }
    }

    @Test
    void errorsNameTheLineAndColumn() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> JsonReader.tree("{\n  \"a\": [1,\n   2,]\n}".getBytes(StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().endsWith("at line 3, column 6"), e.getMessage());
    }

    @Test
    void randomDocumentsAndTheirMutationsReadAsJacksonReadsThem() throws IOException {
        Random r = new Random(20261123);
        int accepted = 0;
        int refused = 0;
        for (int i = 0; i < 300; i++) {
            JsonNode doc = randomNode(r, 0);
            byte[] b = (r.nextBoolean() ? JACKSON.writerWithDefaultPrettyPrinter() : JACKSON.writer())
                    .writeValueAsBytes(doc);
            same(JACKSON.readTree(b), JsonReader.tree(b), new String(b, StandardCharsets.UTF_8));
            for (int m = 0; m < 20; m++) {
                byte[] mutated = mutate(r, b);
                JsonNode expected;
                try {
                    expected = JACKSON.readTree(mutated);
                } catch (IOException | NumberFormatException refusedByJackson) {
                    refused++;
                    byte[] x = mutated;
                    assertThrows(IllegalArgumentException.class, () -> JsonReader.tree(x),
                            () -> "Jackson refuses, JsonReader reads: " + new String(x, StandardCharsets.UTF_8));
                    continue;
                }
                if (expected.isMissingNode()) {
                    continue; // nothing but white space: Jackson gives no value, JsonReader refuses
                }
                accepted++;
                same(expected, JsonReader.tree(mutated), new String(mutated, StandardCharsets.UTF_8));
            }
        }
        assertTrue(accepted > 300 && refused > 1000, accepted + " accepted, " + refused + " refused");
    }

    @Test
    void readsValuesOneAtATime() {
        JsonReader in = new JsonReader(("{\"n\": -42, \"big\": 9223372036854775807, \"skip\": {\"x\": [1, {\"y\": \"z\"}]},"
                + " \"s\": \"t\", \"b\": false, \"z\": null, \"f\": 1.5}").getBytes(StandardCharsets.UTF_8));
        in.beginObject();
        assertTrue(in.hasNext());
        assertEquals("n", in.nextName());
        assertEquals(-42, in.nextLong());
        assertTrue(in.hasNext());
        assertEquals("big", in.nextName());
        assertEquals(Long.MAX_VALUE, in.nextLong());
        assertTrue(in.hasNext());
        assertEquals("skip", in.nextName());
        assertEquals(JsonReader.Kind.OBJECT, in.peek());
        in.skipValue();
        assertTrue(in.hasNext());
        assertEquals("s", in.nextName());
        assertEquals("t", in.nextString());
        assertTrue(in.hasNext());
        assertEquals("b", in.nextName());
        assertFalse(in.nextBoolean());
        assertTrue(in.hasNext());
        assertEquals("z", in.nextName());
        in.nextNull();
        assertTrue(in.hasNext());
        assertEquals("f", in.nextName());
        assertThrows(IllegalArgumentException.class, in::nextLong);
        assertThrows(IllegalArgumentException.class,
                () -> new JsonReader("9223372036854775808".getBytes(StandardCharsets.UTF_8)).nextLong());
        assertThrows(IllegalArgumentException.class,
                () -> new JsonReader("\"1\"".getBytes(StandardCharsets.UTF_8)).nextLong());
        JsonReader end = new JsonReader("[] x".getBytes(StandardCharsets.UTF_8));
        end.beginArray();
        assertFalse(end.hasNext());
        assertThrows(IllegalArgumentException.class, end::endDocument);
    }

    private static JsonNode randomNode(Random r, int depth) {
        int kind = depth > 4 ? 2 + r.nextInt(5) : r.nextInt(7);
        JsonNodeFactory f = JsonNodeFactory.instance;
        switch (kind) {
            case 0 -> {
                ObjectNode o = f.objectNode();
                int n = r.nextInt(5);
                for (int i = 0; i < n; i++) {
                    o.set(randomString(r), randomNode(r, depth + 1));
                }
                return o;
            }
            case 1 -> {
                ArrayNode a = f.arrayNode();
                int n = r.nextInt(5);
                for (int i = 0; i < n; i++) {
                    a.add(randomNode(r, depth + 1));
                }
                return a;
            }
            case 2 -> {
                return f.textNode(randomString(r));
            }
            case 3 -> {
                return switch (r.nextInt(4)) {
                    case 0 -> f.numberNode(r.nextInt(2000) - 1000);
                    case 1 -> f.numberNode(r.nextLong());
                    case 2 -> f.numberNode(new java.math.BigInteger(100, r).negate());
                    default -> f.numberNode(new java.math.BigDecimal(java.math.BigInteger.valueOf(r.nextLong()),
                            r.nextInt(40) - 20));
                };
            }
            case 4 -> {
                return f.booleanNode(r.nextBoolean());
            }
            case 5 -> {
                return f.nullNode();
            }
            default -> {
                return f.textNode("sha256:" + Long.toHexString(r.nextLong()));
            }
        }
    }

    private static String randomString(Random r) {
        String alphabet = "abcXYZ019 _-./:\"\\\n\t\u0001é€😀<>&";
        StringBuilder sb = new StringBuilder();
        int n = r.nextInt(8);
        for (int i = 0; i < n; i++) {
            int at = r.nextInt(alphabet.length());
            if (Character.isHighSurrogate(alphabet.charAt(at))) {
                sb.append(alphabet, at, at + 2);
            } else if (!Character.isLowSurrogate(alphabet.charAt(at))) {
                sb.append(alphabet.charAt(at));
            }
        }
        return sb.toString();
    }

    /** One to three random edits from JSON's own characters. */
    private static byte[] mutate(Random r, byte[] b) {
        byte[] alphabet = "{}[],:\"\\ 0123456789-+.eEtrufalsn\n".getBytes(StandardCharsets.US_ASCII);
        List<Byte> out = new ArrayList<>();
        for (byte x : b) {
            out.add(x);
        }
        int edits = 1 + r.nextInt(3);
        for (int e = 0; e < edits && !out.isEmpty(); e++) {
            int at = r.nextInt(out.size());
            byte c = alphabet[r.nextInt(alphabet.length)];
            switch (r.nextInt(3)) {
                case 0 -> out.set(at, c);
                case 1 -> out.add(at, c);
                default -> out.remove(at);
            }
        }
        byte[] m = new byte[out.size()];
        for (int i = 0; i < m.length; i++) {
            m[i] = out.get(i);
        }
        return m;
    }

    /** The same tree: node classes, members in the same order, equal values (BigDecimals with their scale). */
    private static void same(JsonNode expected, JsonNode actual, String where) {
        if (expected.getClass() != actual.getClass()) {
            fail(where + ": " + expected.getClass().getSimpleName() + " " + expected + " read as "
                    + actual.getClass().getSimpleName() + " " + actual);
        }
        if (expected.isObject()) {
            List<String> en = new ArrayList<>();
            expected.fieldNames().forEachRemaining(en::add);
            List<String> an = new ArrayList<>();
            actual.fieldNames().forEachRemaining(an::add);
            assertEquals(en, an, where);
            for (Iterator<Map.Entry<String, JsonNode>> it = expected.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                same(e.getValue(), actual.get(e.getKey()), where + "." + e.getKey());
            }
        } else if (expected.isArray()) {
            assertEquals(expected.size(), actual.size(), where);
            for (int i = 0; i < expected.size(); i++) {
                same(expected.get(i), actual.get(i), where + "[" + i + "]");
            }
        } else {
            assertEquals(expected, actual, where);
        }
    }
}
