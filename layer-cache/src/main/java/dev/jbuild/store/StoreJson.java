package dev.jbuild.store;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jbuild.oci.JsonReader;
import java.io.IOException;

/**
 * The store's JSON (tags, step-cache entries): written with a plain generator, read with {@link JsonReader}. Every
 * build reads the tags and its step-cache hits, and Jackson's ObjectMapper and parser cost ~35 ms of CPU to set up
 * (see JsonReader), a tenth of a no-op build; only the checks that read any blob of the store still use them.
 */
final class StoreJson {
    private StoreJson() {}

    static final JsonFactory FACTORY = new JsonFactory();

    /** A whole document's tree; an IOException naming what is wrong when it is not one JSON value. */
    static JsonNode tree(byte[] json) throws IOException {
        try {
            return JsonReader.tree(json);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /**
     * For garbage collection and the store check, which look into every JSON blob as Jackson reads it (trailing
     * content ignored): what they follow must stay what they followed. Made on first use.
     */
    static final class Lenient {
        private Lenient() {}

        static final ObjectMapper MAPPER = new ObjectMapper();
    }
}
