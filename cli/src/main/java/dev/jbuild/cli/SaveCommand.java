package dev.jbuild.cli;

import dev.jbuild.core.output.Exporter;
import dev.jbuild.oci.Digest;
import dev.jbuild.oci.ImageReference;
import dev.jbuild.store.Store;
import dev.jbuild.store.StoreLock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code jbuild save -o FILE IMAGE...}: a docker-archive tar ({@code docker load}, {@code podman
 * load}), or with {@code --format oci} an OCI image layout tar. Images given by name carry that
 * name; images given by id are saved untagged, as docker does.
 */
final class SaveCommand extends StoreCommand {
    List<String> refs = new ArrayList<>();

    Path output;

    String format;

    SaveCommand() {
        super("save", "Save images to a docker-archive tar (or an OCI layout tar with --format oci).");
        Specs.addPositional(spec, Specs.listParameter(() -> refs, v -> refs = v)
                .arity("1..*")
                .paramLabel("IMAGE")
                .description("A name, image id or digest."));
        spec.addOption(Specs.option(Path.class, () -> output, v -> output = v, "-o", "--output")
                .paramLabel("FILE")
                .required(true)
                .description("The tar to write.").build());
        spec.addOption(Specs.option(String.class, () -> format, v -> format = v, "--format")
                .paramLabel("docker|oci")
                .defaultValue("docker")
                .description("docker-archive (default) or an OCI image layout tar.").build());
    }

    @Override
    int run(Store store) throws IOException, Failure, LocalImages.NotFound {
        if (!format.equals("docker") && !format.equals("oci")) {
            throw new Failure("--format must be docker or oci, not \"" + format + "\"");
        }
        if (Files.isDirectory(output)) {
            throw new Failure(output + " is a directory: give the tar file to write with -o");
        }
        LocalImages images = new LocalImages(store);
        try (StoreLock hold = store.lockShared()) {
            Map<Digest, LocalImages.Image> byDigest = new LinkedHashMap<>();
            Map<Digest, List<String>> tags = new LinkedHashMap<>();
            for (String r : refs) {
                LocalImages.Image img = images.get(r);
                byDigest.putIfAbsent(img.digest(), img);
                List<String> t = tags.computeIfAbsent(img.digest(), k -> new ArrayList<>());
                name(store, r).filter(n -> !t.contains(n)).ifPresent(t::add);
            }
            List<Exporter.Image> out = new ArrayList<>();
            for (Map.Entry<Digest, LocalImages.Image> e : byDigest.entrySet()) {
                out.add(e.getValue().export(tags.get(e.getKey())));
            }
            new Exporter(store, dev.jbuild.core.build.SourceDateEpoch.of(Map.of())).save(format, output, out);
        }
        return 0;
    }

    /** The tag a reference names, when it is a name (not an id or digest) tagged in the store. */
    private static Optional<String> name(Store store, String r) throws IOException {
        try {
            ImageReference ref = ImageReference.parse(r);
            if (ref.digest() == null && store.images().resolve(ref.toString()).isPresent()) {
                return Optional.of(ref.toString());
            }
        } catch (IllegalArgumentException notAName) {
            // an id
        }
        return Optional.empty();
    }
}
