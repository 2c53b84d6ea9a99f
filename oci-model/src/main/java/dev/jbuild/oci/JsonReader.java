package dev.jbuild.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * A strict JSON reader (RFC 8259) over a document's UTF-8 bytes, a value at a time, and the tree of a whole document
 * ({@link #tree}) as Jackson's {@code readTree} builds it for {@link OciJson}: objects keep their members in document
 * order (a repeated name keeps its first place and its last value), integers are int, long or BigInteger nodes, other
 * numbers exact BigDecimal nodes.
 *
 * <p>Why not Jackson's parser: every build reads a few small documents (the tags, the base image's manifest and
 * config, step-cache entries), and on JDK 25 the first Jackson parser costs ~15 ms of CPU before it reads a byte: its
 * base class's constants initialise {@code BigDecimal}, whose class initialiser now computes 5^65536. With its
 * {@code ObjectMapper} (~20 ms more), that was a tenth of a no-op build's CPU on two cores. Jackson stays for what
 * it does well: writing ({@code JsonGenerator}) and the node types the OCI codecs read.
 *
 * <p>Malformed input is an IllegalArgumentException that names the line and column. Nesting is limited to
 * {@value #MAX_DEPTH} levels, as Jackson limits it.
 */
public final class JsonReader {
    /** What the next value is. */
    public enum Kind { OBJECT, ARRAY, STRING, NUMBER, BOOLEAN, NULL }

    static final int MAX_DEPTH = 1000;

    private final byte[] b;
    private final int end;
    private int at;
    /** Open containers: 0 at the top level. */
    private int depth;
    private boolean[] isObject = new boolean[8];
    /** Whether the container at a depth has had no member yet. */
    private boolean[] first = new boolean[8];

    public JsonReader(byte[] json) {
        this.b = json;
        this.end = json.length;
        if (end >= 3 && b[0] == (byte) 0xef && b[1] == (byte) 0xbb && b[2] == (byte) 0xbf) {
            at = 3; // a UTF-8 byte order mark, which Jackson's parser skipped too
        }
    }

    /** The tree of a whole JSON document; an IllegalArgumentException when it is not exactly one JSON value. */
    public static JsonNode tree(byte[] json) {
        JsonReader r = new JsonReader(json);
        JsonNode n = r.nextTree();
        r.endDocument();
        return n;
    }

    /** The kind of the next value, without reading it. */
    public Kind peek() {
        skipSpace();
        if (at >= end) {
            throw error("unexpected end of input");
        }
        return switch (b[at]) {
            case '{' -> Kind.OBJECT;
            case '[' -> Kind.ARRAY;
            case '"' -> Kind.STRING;
            case 't', 'f' -> Kind.BOOLEAN;
            case 'n' -> Kind.NULL;
            case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9' -> Kind.NUMBER;
            default -> throw error("unexpected character " + describe(b[at]));
        };
    }

    public void beginObject() {
        expect('{');
        open(true);
    }

    public void beginArray() {
        expect('[');
        open(false);
    }

    private void open(boolean object) {
        if (depth == MAX_DEPTH) {
            throw error("nesting deeper than " + MAX_DEPTH + " levels");
        }
        depth++;
        if (depth == isObject.length) {
            isObject = java.util.Arrays.copyOf(isObject, depth * 2);
            first = java.util.Arrays.copyOf(first, depth * 2);
        }
        isObject[depth] = object;
        first[depth] = true;
    }

    /**
     * Whether the open object or array has another member (then read its name, for an object, and its value); false
     * at its end, which this consumes.
     */
    public boolean hasNext() {
        if (depth == 0) {
            throw new IllegalStateException("not in an object or array");
        }
        skipSpace();
        if (at >= end) {
            throw error("unexpected end of input");
        }
        byte close = isObject[depth] ? (byte) '}' : (byte) ']';
        if (b[at] == close) {
            // after a comma, the member's own reading fails first: "[1,]" and "{"a":1,}" are refused
            at++;
            depth--;
            return false;
        }
        if (first[depth]) {
            first[depth] = false;
            return true;
        }
        if (b[at] != ',') {
            throw error("expected ',' or '" + (char) close + "', found " + describe(b[at]));
        }
        at++;
        return true;
    }

    /** An object member's name (after {@link #hasNext}); its value comes next. */
    public String nextName() {
        if (depth == 0 || !isObject[depth]) {
            throw new IllegalStateException("not in an object");
        }
        skipSpace();
        if (at >= end || b[at] != '"') {
            throw error(at >= end ? "unexpected end of input" : "expected a member name, found " + describe(b[at]));
        }
        String name = string();
        expect(':');
        return name;
    }

    public String nextString() {
        skipSpace();
        if (at >= end || b[at] != '"') {
            throw error("expected a string, found " + found());
        }
        return string();
    }

    public boolean nextBoolean() {
        skipSpace();
        if (literal("true")) {
            return true;
        }
        if (literal("false")) {
            return false;
        }
        throw error("expected a boolean, found " + found());
    }

    public void nextNull() {
        skipSpace();
        if (!literal("null")) {
            throw error("expected null, found " + found());
        }
    }

    /** An integer that fits a long. */
    public long nextLong() {
        skipSpace();
        int start = at;
        boolean integral = number();
        if (!integral) {
            throw error(start, "expected an integer, found " + new String(b, start, at - start, StandardCharsets.US_ASCII));
        }
        long v = 0;
        boolean negative = b[start] == '-';
        int digits = at - start - (negative ? 1 : 0);
        if (digits > 18) {
            try {
                return Long.parseLong(new String(b, start, at - start, StandardCharsets.US_ASCII));
            } catch (NumberFormatException e) {
                throw error(start, "integer out of range: " + new String(b, start, at - start, StandardCharsets.US_ASCII));
            }
        }
        for (int i = start + (negative ? 1 : 0); i < at; i++) {
            v = v * 10 + (b[i] - '0');
        }
        return negative ? -v : v;
    }

    /** Skips the next value, whatever it is. */
    public void skipValue() {
        switch (peek()) {
            case OBJECT -> {
                beginObject();
                while (hasNext()) {
                    nextName();
                    skipValue();
                }
            }
            case ARRAY -> {
                beginArray();
                while (hasNext()) {
                    skipValue();
                }
            }
            case STRING -> string();
            case NUMBER -> number();
            case BOOLEAN -> nextBoolean();
            case NULL -> nextNull();
        }
    }

    /** The next value as a tree. */
    public JsonNode nextTree() {
        switch (peek()) {
            case OBJECT -> {
                ObjectNode o = new ObjectNode(JsonNodeFactory.instance);
                beginObject();
                while (hasNext()) {
                    String name = nextName();
                    o.replace(name, nextTree()); // a repeated name: its last value, in its first place (as Jackson)
                }
                return o;
            }
            case ARRAY -> {
                ArrayNode a = new ArrayNode(JsonNodeFactory.instance);
                beginArray();
                while (hasNext()) {
                    a.add(nextTree());
                }
                return a;
            }
            case STRING -> {
                return TextNode.valueOf(string());
            }
            case NUMBER -> {
                return numberNode();
            }
            case BOOLEAN -> {
                return BooleanNode.valueOf(nextBoolean());
            }
            default -> {
                nextNull();
                return NullNode.getInstance();
            }
        }
    }

    /** Checks that only white space follows. */
    public void endDocument() {
        skipSpace();
        if (at < end) {
            throw error("unexpected " + describe(b[at]) + " after the end of the document");
        }
    }

    private JsonNode numberNode() {
        int start = at;
        boolean integral = number();
        String text = new String(b, start, at - start, StandardCharsets.US_ASCII);
        if (!integral) {
            try {
                return DecimalNode.valueOf(new BigDecimal(text));
            } catch (NumberFormatException e) {
                throw error(start, "number out of range: " + text); // an exponent beyond an int
            }
        }
        int digits = at - start - (b[start] == '-' ? 1 : 0);
        if (digits <= 9) {
            return IntNode.valueOf(Integer.parseInt(text));
        }
        if (digits <= 18) {
            long v = Long.parseLong(text);
            return v == (int) v ? IntNode.valueOf((int) v) : LongNode.valueOf(v);
        }
        BigInteger v = new BigInteger(text);
        if (v.bitLength() < 32) {
            return IntNode.valueOf(v.intValue());
        }
        return v.bitLength() < 64 ? LongNode.valueOf(v.longValue()) : BigIntegerNode.valueOf(v);
    }

    /** Moves past a number; whether it was an integer (no fraction, no exponent). */
    private boolean number() {
        int start = at;
        if (at < end && b[at] == '-') {
            at++;
        }
        if (at < end && b[at] == '0') {
            at++;
        } else if (at < end && b[at] >= '1' && b[at] <= '9') {
            digits();
        } else {
            throw error(start, "invalid number");
        }
        boolean integral = true;
        if (at < end && b[at] == '.') {
            at++;
            if (at >= end || b[at] < '0' || b[at] > '9') {
                throw error(start, "invalid number: no digit after the decimal point");
            }
            digits();
            integral = false;
        }
        if (at < end && (b[at] == 'e' || b[at] == 'E')) {
            at++;
            if (at < end && (b[at] == '+' || b[at] == '-')) {
                at++;
            }
            if (at >= end || b[at] < '0' || b[at] > '9') {
                throw error(start, "invalid number: no digit in the exponent");
            }
            digits();
            integral = false;
        }
        if (at < end && (b[at] >= '0' && b[at] <= '9' || b[at] == '.' || b[at] == 'e' || b[at] == 'E')) {
            throw error(start, "invalid number (a leading zero?)");
        }
        return integral;
    }

    private void digits() {
        while (at < end && b[at] >= '0' && b[at] <= '9') {
            at++;
        }
    }

    private boolean literal(String word) {
        int n = word.length();
        if (end - at < n) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (b[at + i] != word.charAt(i)) {
                return false;
            }
        }
        int after = at + n;
        if (after < end && isWordByte(b[after])) {
            return false; // "trueish"
        }
        at = after;
        return true;
    }

    private static boolean isWordByte(byte c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c < 0;
    }

    /** The string at the position (its opening quote), decoded. */
    private String string() {
        int start = ++at;
        boolean ascii = true;
        // The common case: no escape, plain ASCII.
        while (at < end) {
            byte c = b[at];
            if (c == '"') {
                String s = ascii ? new String(b, start, at - start, StandardCharsets.ISO_8859_1)
                        : utf8(start, at);
                at++;
                return s;
            }
            if (c == '\\') {
                return escapedString(start);
            }
            if (c >= 0 && c < 0x20) {
                throw error("control character " + describe(c) + " in a string: it must be escaped");
            }
            if (c < 0) {
                ascii = false;
            }
            at++;
        }
        throw error(start - 1, "unterminated string");
    }

    /** A string with escapes, from START (after its opening quote); the position is at its first backslash. */
    private String escapedString(int start) {
        StringBuilder sb = new StringBuilder(at - start + 16);
        int run = start; // the start of the bytes not yet appended
        while (at < end) {
            byte c = b[at];
            if (c == '"') {
                sb.append(utf8(run, at));
                at++;
                return sb.toString();
            }
            if (c >= 0 && c < 0x20) {
                throw error("control character " + describe(c) + " in a string: it must be escaped");
            }
            if (c != '\\') {
                at++;
                continue;
            }
            sb.append(utf8(run, at));
            if (at + 1 >= end) {
                break;
            }
            byte e = b[at + 1];
            at += 2;
            switch (e) {
                case '"' -> sb.append('"');
                case '\\' -> sb.append('\\');
                case '/' -> sb.append('/');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> {
                    if (end - at < 4) {
                        throw error(at - 2, "unterminated \\u escape");
                    }
                    int v = 0;
                    for (int i = 0; i < 4; i++) {
                        int d = Character.digit(b[at + i], 16);
                        if (d < 0 || b[at + i] < 0) {
                            throw error(at - 2, "invalid \\u escape");
                        }
                        v = v * 16 + d;
                    }
                    at += 4;
                    sb.append((char) v); // a lone surrogate stays one, as Jackson keeps it
                }
                default -> throw error(at - 2, "invalid escape \\" + describeChar(e));
            }
            run = at;
        }
        throw error(start - 1, "unterminated string");
    }

    private String utf8(int from, int to) {
        if (from == to) {
            return "";
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(b, from, to - from)).toString();
        } catch (CharacterCodingException e) {
            throw error(from, "invalid UTF-8 in a string");
        }
    }

    private void expect(char c) {
        skipSpace();
        if (at >= end || b[at] != c) {
            throw error("expected '" + c + "', found " + found());
        }
        at++;
    }

    private void skipSpace() {
        while (at < end) {
            byte c = b[at];
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                return;
            }
            at++;
        }
    }

    private String found() {
        return at >= end ? "the end of the input" : describe(b[at]);
    }

    private static String describe(byte c) {
        return c < 0 ? "byte 0x" + Integer.toHexString(c & 0xff) : describeChar(c);
    }

    private static String describeChar(byte c) {
        return c >= 0x20 && c < 0x7f ? "'" + (char) c + "'" : "character 0x" + Integer.toHexString(c & 0xff);
    }

    private IllegalArgumentException error(String message) {
        return error(at, message);
    }

    /** The message with the line and column (in bytes, from 1) of the offset. */
    private IllegalArgumentException error(int offset, String message) {
        int line = 1;
        int column = 1;
        for (int i = 0; i < offset && i < end; i++) {
            if (b[i] == '\n') {
                line++;
                column = 1;
            } else {
                column++;
            }
        }
        return new IllegalArgumentException(message + " at line " + line + ", column " + column);
    }
}
