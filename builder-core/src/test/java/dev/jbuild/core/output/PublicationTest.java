package dev.jbuild.core.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class PublicationTest {
    private static List<String> pushes(Publication p) {
        return p.pushes().stream().map(x -> x.repository().name() + " " + x.tags()).toList();
    }

    @Test
    void pushSendsEveryTagGroupedByRepository() {
        Publication p = Publication.of(List.of("reg.example:5000/team/app:1.0", "reg.example:5000/team/app",
                "other.example/app:1.0"), true, List.of());
        assertEquals(List.of("reg.example:5000/team/app:1.0", "reg.example:5000/team/app", "other.example/app:1.0"),
                p.tags());
        assertEquals(List.of("reg.example:5000/team/app [1.0, latest]", "other.example/app [1.0]"), pushes(p));
    }

    @Test
    void imageOutputsAddNamesAndPushOnlyWhenAsked() {
        Publication p = Publication.of(List.of("app:1"), false, List.of(
                OutputSpec.parse("type=oci,dest=out"),
                OutputSpec.parse("type=image,name=app:2"),
                OutputSpec.parse("type=registry,name=\"reg.example/app:3,reg.example/app:4\"")));
        assertEquals(List.of("app:1", "app:2", "reg.example/app:3", "reg.example/app:4"), p.tags());
        assertEquals(List.of("reg.example/app [3, 4]"), pushes(p));

        Publication byTags = Publication.of(List.of("reg.example/app:5"), false,
                List.of(OutputSpec.parse("type=image,push=true")));
        assertEquals(List.of("reg.example/app [5]"), pushes(byTags));
        assertEquals(List.of(), pushes(Publication.of(List.of("app:1"), false, List.of())));
    }

    @Test
    void aPushNeedsANameAndNamesMustBeTags() {
        assertEquals("push needs a name to push the image to: tag it NAME[:TAG]", assertThrows(
                IllegalArgumentException.class, () -> Publication.of(List.of(), true, List.of())).getMessage());
        assertEquals("output type=registry needs name=NAME[:TAG] (or a tag of the build) to push",
                assertThrows(IllegalArgumentException.class, () -> Publication.of(List.of(), false,
                        List.of(OutputSpec.parse("type=registry")))).getMessage());
        String digest = "app@sha256:" + "a".repeat(64);
        assertEquals("invalid tag \"" + digest + "\": a digest reference cannot be a tag", assertThrows(
                IllegalArgumentException.class, () -> Publication.of(List.of(digest), true, List.of())).getMessage());
    }
}
