package dev.jbuild.core.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class OutputSpecTest {
    @Test
    void imageOutputsAsBuildxWritesThem() {
        OutputSpec two = OutputSpec.parse("type=image,name=reg:5000/a:1,name=reg:5000/b:2,push=true");
        assertEquals("image", two.type());
        assertTrue(two.isImage());
        assertTrue(two.push());
        assertEquals(List.of("reg:5000/a:1", "reg:5000/b:2"), two.names());

        OutputSpec quoted = OutputSpec.parse("type=image,\"name=a:1,b:2\",push=false");
        assertEquals(List.of("a:1", "b:2"), quoted.names());
        assertFalse(quoted.push());

        OutputSpec registry = OutputSpec.parse("type=registry");
        assertTrue(registry.isImage());
        assertTrue(registry.push());
        assertEquals(List.of(), registry.names());

        assertFalse(OutputSpec.parse("type=image").push());
        assertFalse(OutputSpec.parse("type=oci,dest=x").isImage());
    }

    @Test
    void badValuesAreErrors() {
        assertEquals("invalid --output \"type=image,push=maybe\": push must be true or false, not \"maybe\"",
                assertThrows(IllegalArgumentException.class, () -> OutputSpec.parse("type=image,push=maybe"))
                        .getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> OutputSpec.parse("type=image,\"name=a"))
                .getMessage().endsWith("unterminated quote"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> OutputSpec.parse("type=nope"))
                .getMessage().contains("unknown type \"nope\""));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> OutputSpec.parse("type=oci"))
                .getMessage().endsWith("dest= is missing"));
    }
}
