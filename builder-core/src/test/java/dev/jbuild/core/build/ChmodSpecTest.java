package dev.jbuild.core.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ChmodSpecTest {
    static int apply(String spec, int mode, boolean dir) throws BuildException {
        return ChmodSpec.parse(spec).apply(mode, dir);
    }

    @Test
    void octalAndSymbolic() throws BuildException {
        assertEquals(0755, apply("755", 0600, false));
        assertEquals(0755, apply("u=rwx,go=rx", 0600, false));
        assertEquals(0711, apply("+x", 0600, false));
        assertEquals(0644, apply("a-x", 0755, false));
        assertEquals(0755, apply("a+X", 0644, true), "X sets execute on directories");
        assertEquals(0644, apply("a+X", 0644, false), "X leaves a non-executable file alone");
        assertEquals(0755, apply("a+X", 0744, false), "X on a file already executable by someone");
        assertEquals(04755, apply("u+s", 0755, false));
        assertEquals(0664, apply("g=u", 0644, false), "copy the user's bits to the group");
        assertEquals(0, apply("a=", 0777, false));
    }

    @Test
    void errorsAsBuildkit() {
        assertEquals("invalid chmod parameter: '999'. it should be octal string and between 0 and 07777",
                assertThrows(BuildException.class, () -> ChmodSpec.parse("999")).getMessage());
        assertEquals("invalid chmod parameter: '17777'. it should be octal string and between 0 and 07777",
                assertThrows(BuildException.class, () -> ChmodSpec.parse("17777")).getMessage());
        assertThrows(BuildException.class, () -> ChmodSpec.parse("u"));
        assertThrows(BuildException.class, () -> ChmodSpec.parse("u*x"));
    }
}
