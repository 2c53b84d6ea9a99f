package dev.jbuild.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * The error a registry (or token service) put in a response body: the distribution spec's
 * {@code {"errors":[{"code","message","detail"}]}}, OAuth's {@code error}/{@code error_description}, Docker Hub's
 * {@code details}, or the first line of a text body.
 */
record ErrorBody(String code, String message) {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int LIMIT = 64 * 1024;

    /** Reads (at most 64 KiB of) the body and closes the response. */
    static ErrorBody read(Response response) {
        byte[] bytes;
        try (response) {
            ResponseBody body = response.body();
            if (body == null) {
                return new ErrorBody(null, null);
            }
            try (InputStream in = body.byteStream()) {
                bytes = in.readNBytes(LIMIT);
            }
        } catch (IOException e) {
            return new ErrorBody(null, null);
        }
        return parse(bytes);
    }

    static ErrorBody parse(byte[] bytes) {
        if (bytes.length == 0) {
            return new ErrorBody(null, null);
        }
        try {
            JsonNode n = JSON.readTree(bytes);
            if (n != null && n.isObject()) {
                JsonNode errors = n.get("errors");
                if (errors != null && errors.isArray() && errors.size() > 0) {
                    StringBuilder msg = new StringBuilder();
                    String first = null;
                    for (JsonNode e : errors) {
                        String code = e.path("code").asText("");
                        String m = e.path("message").asText("");
                        if (first == null) {
                            first = code.isEmpty() ? null : code;
                            msg.append(m);
                        } else {
                            msg.append("; ").append(code.isEmpty() ? "" : code + ": ").append(m);
                        }
                    }
                    return new ErrorBody(first, msg.length() == 0 ? null : msg.toString());
                }
                for (String[] f : new String[][] {{"error", "error_description"}, {null, "details"}, {null, "message"}}) {
                    String code = f[0] == null ? "" : n.path(f[0]).asText("");
                    String m = n.path(f[1]).asText("");
                    if (!code.isEmpty() || !m.isEmpty()) {
                        return new ErrorBody(code.isEmpty() ? null : code, m.isEmpty() ? null : m);
                    }
                }
                return new ErrorBody(null, null);
            }
        } catch (IOException notJson) {
            // a text body
        }
        String text = new String(bytes, StandardCharsets.UTF_8).strip();
        int nl = text.indexOf('\n');
        if (nl >= 0) {
            text = text.substring(0, nl).strip();
        }
        if (text.length() > 200) {
            text = text.substring(0, 200) + "...";
        }
        return new ErrorBody(null, text.isEmpty() || text.startsWith("<") ? null : text);
    }

    /** {@code CODE: message}, {@code message}, {@code CODE}, or empty. */
    String describe() {
        if (code != null && message != null) {
            return code + ": " + message;
        }
        return code != null ? code : message != null ? message : "";
    }
}
