package dev.jbuild.core.build;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * What a build gives its RUN steps beyond the Dockerfile.
 *
 * @param runtime        "native" (the embedded helper), "runc", "crun", or a path to an OCI runtime
 * @param network        the default network of RUN steps: "default"/"host" or "none"
 * @param secrets        {@code --secret id=...}: id to where the value is (a file, or an environment variable)
 * @param ssh            {@code --ssh id=SOCKET}: id to agent socket path
 * @param entitlements   {@code --allow}, e.g. "security.insecure"
 */
public record RunOptions(String runtime, String network, Map<String, Secret> secrets, Map<String, Path> ssh,
        Set<String> entitlements) {
    public static final RunOptions DEFAULT = new RunOptions("native", "default", Map.of(), Map.of(), Set.of());

    public RunOptions {
        secrets = Map.copyOf(secrets);
        ssh = Map.copyOf(ssh);
        entitlements = Set.copyOf(entitlements);
    }

    /** A secret's source: a file, or an environment variable of the jbuild process. Never its value. */
    public record Secret(Path file, String env) {
        @Override
        public String toString() {
            return file != null ? "file " + file : "env " + env;
        }
    }
}
