package dev.jbuild.core.output;

import dev.jbuild.oci.ImageReference;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where a built image goes besides the store, by buildx's rules: the names to tag it with (the build's tags, then
 * the names of its image outputs) and the pushes, grouped by repository so each repository's blobs go once. A push
 * switch pushes every tag; {@code type=registry} or {@code push=true} outputs push their names (the build's tags
 * when they give none).
 *
 * @param tags   the names to tag the result with in the store, without repeats
 * @param pushes one push per repository, in the order the names came
 */
public record Publication(List<String> tags, List<Push> pushes) {
    public Publication {
        tags = List.copyOf(tags);
        pushes = List.copyOf(pushes);
    }

    /** The tags to push to one repository ({@code repository} has neither tag nor digest). */
    public record Push(ImageReference repository, List<String> tags) {
        public Push {
            tags = List.copyOf(tags);
        }
    }

    /** IllegalArgumentException for a push without a name, or a name that is no valid tag. */
    public static Publication of(List<String> tags, boolean push, List<OutputSpec> outputs) {
        List<String> names = new ArrayList<>(tags);
        List<String> pushNames = new ArrayList<>();
        if (push) {
            if (tags.isEmpty()) {
                throw new IllegalArgumentException("push needs a name to push the image to: tag it NAME[:TAG]");
            }
            pushNames.addAll(tags);
        }
        for (OutputSpec spec : outputs) {
            if (!spec.isImage()) {
                continue;
            }
            List<String> outputNames = spec.names().isEmpty() ? tags : spec.names();
            if (outputNames.isEmpty() && spec.push()) {
                throw new IllegalArgumentException("output type=" + spec.type()
                        + " needs name=NAME[:TAG] (or a tag of the build) to push");
            }
            for (String n : outputNames) {
                if (!names.contains(n)) {
                    names.add(n);
                }
            }
            if (spec.push()) {
                pushNames.addAll(outputNames);
            }
        }
        Map<String, Set<String>> byRepository = new LinkedHashMap<>();
        Map<String, ImageReference> repositories = new LinkedHashMap<>();
        for (String n : pushNames) {
            ImageReference ref = tagReference(n);
            repositories.putIfAbsent(ref.name(), new ImageReference(ref.registry(), ref.repository(), null, null));
            byRepository.computeIfAbsent(ref.name(), k -> new LinkedHashSet<>())
                    .add(ref.tag() == null ? ImageReference.DEFAULT_TAG : ref.tag());
        }
        List<Push> pushes = new ArrayList<>();
        byRepository.forEach((name, t) -> pushes.add(new Push(repositories.get(name), List.copyOf(t))));
        return new Publication(names, pushes);
    }

    /** A name to tag an image with: a reference without digest; IllegalArgumentException otherwise. */
    public static ImageReference tagReference(String name) {
        ImageReference ref = ImageReference.parse(name);
        if (ref.digest() != null) {
            throw new IllegalArgumentException("invalid tag \"" + name + "\": a digest reference cannot be a tag");
        }
        return ref;
    }
}
