package dev.jbuild.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;

/**
 * The store's JSON mapper (tags, step-cache entries), one for the package and made on first use. Not when a store
 * opens: that is among the first things a command does, while a second thread is still initialising Jackson (the
 * CLI's StartupWarmup), and a mapper in a class initialiser made the main thread wait for it instead of going on with
 * work that needs no JSON, such as parsing the Dockerfile.
 */
final class StoreJson {
    private StoreJson() {}

    static final ObjectMapper MAPPER = new ObjectMapper();

    /** For files people read: the tags. */
    static final ObjectWriter INDENTED = MAPPER.writerWithDefaultPrettyPrinter();
}
