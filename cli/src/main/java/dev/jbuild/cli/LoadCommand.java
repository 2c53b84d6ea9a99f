package dev.jbuild.cli;

import dev.jbuild.store.Store;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** {@code jbuild load -i PATH}: imports an OCI layout (directory or tar) or a docker-archive tar. */
final class LoadCommand extends StoreCommand {
    String input;

    boolean quiet;

    LoadCommand() {
        super("load",
                "Load images from an OCI image layout (directory or tar) or a docker-archive tar ('docker save').",
                "Every blob is verified; the images are tagged with the names the input gives.");
        spec.addOption(Specs.option(String.class, () -> input, v -> input = v, "-i", "--input")
                .paramLabel("PATH")
                .defaultValue("-")
                .description("The layout directory or tar, plain or gzip/zstd-compressed (default: standard"
                        + " input).").build());
        spec.addOption(Specs.option(boolean.class, () -> quiet, v -> quiet = v, "-q", "--quiet")
                .description("Accepted for docker compatibility (there is no progress output).").build());
    }

    @Override
    int run(Store store) throws IOException, Failure {
        Path path;
        Path spooled = null;
        if (input.equals("-")) {
            spooled = ImageLoader.spool(System.in, store.root().resolve("tmp"));
            path = spooled;
        } else {
            path = Path.of(input);
        }
        try {
            List<ImageLoader.Loaded> loaded = new ImageLoader(store).load(path);
            Set<String> lines = new LinkedHashSet<>();
            for (ImageLoader.Loaded l : loaded) {
                lines.add(l.name() != null ? "Loaded image: " + LocalImages.familiar(l.name())
                        : "Loaded image ID: " + l.imageId());
            }
            lines.forEach(out()::println);
            return 0;
        } finally {
            if (spooled != null) {
                Files.deleteIfExists(spooled);
            }
        }
    }
}
