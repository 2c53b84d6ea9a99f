package dev.jbuild.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jbuild.store.Store;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code jbuild inspect IMAGE...}: a JSON array, one object per image: its id (the config
 * digest), tags, the digest and media type of what the reference names, and the manifest and
 * config as stored (parsed and pretty-printed as {@code docker inspect} prints, four-space indent).
 */
final class InspectCommand extends StoreCommand {
    List<String> refs = new ArrayList<>();

    InspectCommand() {
        super("inspect", "Show the manifest and config of images in the local store, as JSON.");
        Specs.addPositional(spec, Specs.listParameter(() -> refs, v -> refs = v)
                .arity("1..*")
                .paramLabel("IMAGE")
                .description("A name, image id or digest."));
    }

    static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS)
            .build();

    @Override
    int run(Store store) throws IOException {
        LocalImages images = new LocalImages(store);
        ArrayNode result = JSON.createArrayNode();
        int status = 0;
        for (String r : refs) {
            try {
                LocalImages.Image img = images.get(r);
                ObjectNode o = result.addObject();
                o.put("Id", img.id().toString());
                ArrayNode tags = o.putArray("RepoTags");
                images.repoTags(img.digest()).forEach(tags::add);
                o.put("Digest", img.digest().toString());
                o.put("MediaType", img.descriptor().mediaType());
                o.put("Size", img.size());
                if (img.index() != null) {
                    o.set("Index", JSON.readTree(img.indexBytes()));
                    o.put("ManifestDigest", img.manifestDescriptor().digest().toString());
                }
                o.set("Manifest", JSON.readTree(img.manifestBytes()));
                o.set("Config", JSON.readTree(img.configBytes()));
            } catch (LocalImages.NotFound e) {
                err().println("jbuild: " + e.getMessage());
                status = 1;
            }
        }
        out().println(pretty(result));
        return status;
    }

    /** JSON as Go's {@code json.MarshalIndent(v, "", "    ")} lays it out. */
    static String pretty(JsonNode node) throws IOException {
        return JSON.writer(new GoIndent()).writeValueAsString(node);
    }

    /** Four-space indent, {@code "key": value}, and {@code []}/{@code {}} for empty containers. */
    static final class GoIndent extends DefaultPrettyPrinter {
        private static final long serialVersionUID = 1L;

        GoIndent() {
            super(Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER));
            DefaultIndenter indenter = new DefaultIndenter("    ", "\n");
            indentArraysWith(indenter);
            indentObjectsWith(indenter);
        }

        @Override
        public DefaultPrettyPrinter createInstance() {
            return new GoIndent();
        }

        @Override
        public void writeEndArray(JsonGenerator g, int nrOfValues) throws IOException {
            if (!_arrayIndenter.isInline()) {
                --_nesting;
            }
            if (nrOfValues > 0) {
                _arrayIndenter.writeIndentation(g, _nesting);
            }
            g.writeRaw(']');
        }

        @Override
        public void writeEndObject(JsonGenerator g, int nrOfEntries) throws IOException {
            if (!_objectIndenter.isInline()) {
                --_nesting;
            }
            if (nrOfEntries > 0) {
                _objectIndenter.writeIndentation(g, _nesting);
            }
            g.writeRaw('}');
        }
    }
}
