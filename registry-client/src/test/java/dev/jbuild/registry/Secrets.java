package dev.jbuild.registry;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;

/** Test helpers for credentials: asserting they leak nowhere, a fake credential helper. */
final class Secrets {
    private Secrets() {}

    /** Neither the secret nor base64(user:secret) appears in the exception, its causes or suppressed ones. */
    static void assertAbsent(Throwable t, String user, String secret) {
        StringWriter w = new StringWriter();
        t.printStackTrace(new PrintWriter(w));
        String all = w + "\n" + t;
        assertFalse(all.contains(secret), "the secret leaked into:\n" + all);
        String b64 = Base64.getEncoder().encodeToString((user + ":" + secret).getBytes(StandardCharsets.UTF_8));
        assertFalse(all.contains(b64), "base64 credentials leaked into:\n" + all);
    }

    /**
     * Writes {@code dir/docker-credential-NAME}, a credential helper keeping each server's JSON document in
     * {@code dir/store/}, logging each verb to {@code dir/helper.log}.
     */
    static Path fakeHelper(Path dir, String name) throws Exception {
        Files.createDirectories(dir.resolve("store"));
        Path script = dir.resolve("docker-credential-" + name);
        String store = dir.resolve("store").toString();
        String log = dir.resolve("helper.log").toString();
        Files.writeString(script, "#!/bin/sh\n"
                + "echo \"$1\" >> '" + log + "'\n"
                + "key() { printf '%s' \"$1\" | tr -c 'A-Za-z0-9' '_'; }\n"
                + "case \"$1\" in\n"
                + "get) read -r url || true; f='" + store + "'/$(key \"$url\");\n"
                + "  if [ -f \"$f\" ]; then cat \"$f\"; else echo 'credentials not found in native keychain'; exit 1; fi;;\n"
                + "store) doc=$(cat); url=$(printf '%s' \"$doc\" | sed -n 's/.*\"ServerURL\":\"\\([^\"]*\\)\".*/\\1/p');\n"
                + "  printf '%s' \"$doc\" > '" + store + "'/$(key \"$url\");;\n"
                + "erase) read -r url || true; rm -f '" + store + "'/$(key \"$url\");;\n"
                + "*) echo \"unknown verb $1\" >&2; exit 2;;\n"
                + "esac\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return script;
    }
}
