package dev.jbuild.cli;

import dev.jbuild.registry.Credentials;
import dev.jbuild.registry.DockerConfig;
import dev.jbuild.registry.ProgressListener;
import dev.jbuild.registry.RegistryClient;
import dev.jbuild.registry.RegistryException;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code jbuild login [-u USER] [--password-stdin] [REGISTRY]}: checks the credentials against the registry and
 * stores them in docker's config.json, as {@code docker login} does (through the credential helper when one is
 * configured, else base64 in the file, which only its owner may read).
 */
final class LoginCommand implements Callable<Integer> {
    String server;

    String username;

    String password;

    boolean passwordStdin;

    RegistryFlags registry = new RegistryFlags();

    final CommandSpec spec;

    LoginCommand() {
        spec = Specs.command(this, "login",
                "Log in to a registry (default: Docker Hub).",
                "The credentials are checked, then stored in docker's config.json (or its credential helper).");
        Specs.addPositional(spec, Specs.parameter(String.class, () -> server, v -> server = v)
                .index("0")
                .arity("0..1")
                .paramLabel("REGISTRY")
                .description("host[:port] (default: docker.io)."));
        spec.addOption(Specs.option(String.class, () -> username, v -> username = v, "-u", "--username")
                .paramLabel("USER")
                .description("The user name.").build());
        spec.addOption(Specs.option(String.class, () -> password, v -> password = v, "-p", "--password")
                .paramLabel("PASSWORD")
                .description("The password (insecure: it shows in the process list; use --password-stdin).").build());
        spec.addOption(Specs.option(boolean.class, () -> passwordStdin, v -> passwordStdin = v, "--password-stdin")
                .description("Read the password from standard input.").build());
        registry.addTo(spec);
    }

    /** Standard input (a test may replace it). */
    static InputStream stdin = System.in;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            return login(out, err);
        } catch (RegistryException e) {
            err.println("jbuild: " + e.getMessage());
            return 1;
        } catch (IOException | IllegalArgumentException e) {
            err.println("jbuild: " + (e.getMessage() != null ? e.getMessage() : e.toString()));
            return 1;
        } finally {
            out.flush();
            err.flush();
        }
    }

    private int login(PrintWriter out, PrintWriter err) throws IOException {
        String host = Registries.registryHost(server);
        if (password != null && passwordStdin) {
            throw new IllegalArgumentException("--password and --password-stdin are mutually exclusive");
        }
        if (passwordStdin && (username == null || username.isEmpty())) {
            throw new IllegalArgumentException("must provide --username with --password-stdin");
        }
        if (password != null) {
            err.println("WARNING! Using --password via the CLI is insecure. Use --password-stdin.");
        }
        DockerConfig config = DockerConfig.load(registry.configDirectory());
        try (RegistryClient client = new RegistryClient(registry.options(ProgressListener.NONE))) {
            Credentials creds;
            if (passwordStdin) {
                String p = new String(stdin.readAllBytes(), StandardCharsets.UTF_8);
                p = stripSuffix(stripSuffix(p, "\n"), "\r");
                creds = checked(username, p);
            } else if (password != null) {
                creds = checked(username == null ? prompt("Username: ", null) : username, password);
            } else {
                Optional<Credentials> stored = username == null ? config.credentials(host) : Optional.empty();
                if (stored.isPresent()) {
                    out.println("Authenticating with existing credentials...");
                    out.flush();
                    try {
                        client.login(host, stored.get());
                        out.println("Login Succeeded");
                        return 0;
                    } catch (RegistryException e) {
                        if (!e.isAuthenticationFailure()) {
                            throw e;
                        }
                        err.println("Login did not succeed, error: " + e.getMessage());
                        err.flush();
                    }
                }
                String user = username != null ? username
                        : prompt(stored.isPresent() && !stored.get().username().isEmpty()
                                ? "Username (" + stored.get().username() + "): " : "Username: ",
                                stored.map(Credentials::username).orElse(null));
                creds = checked(user, promptPassword());
            }
            client.login(host, creds);
            config.store(host, creds);
        }
        if (config.helperName(host).isEmpty()) {
            err.println("WARNING! Your password will be stored unencrypted in " + config.file() + ".");
            err.println("Configure a credential helper to remove this warning.");
            err.flush();
        }
        out.println("Login Succeeded");
        return 0;
    }

    private static Credentials checked(String user, String pass) {
        if (user == null || user.trim().isEmpty()) {
            throw new IllegalArgumentException("a user name is required");
        }
        if (pass == null || pass.isEmpty()) {
            throw new IllegalArgumentException("a password is required");
        }
        return Credentials.basic(user.trim(), pass);
    }

    private static Console console() {
        Console c = System.console();
        if (c != null && Runtime.version().feature() >= 22) {
            // since JDK 22 there may be a Console without a terminal
            try {
                if (!Boolean.TRUE.equals(Console.class.getMethod("isTerminal").invoke(c))) {
                    c = null;
                }
            } catch (ReflectiveOperationException e) {
                // JDK 17-21: a Console is a terminal
            }
        }
        if (c == null) {
            throw new IllegalArgumentException("cannot perform an interactive login from a non TTY device"
                    + " (give the password with --password-stdin)");
        }
        return c;
    }

    private static String prompt(String text, String fallback) {
        String line = console().readLine("%s", text);
        if (line == null) {
            throw new IllegalArgumentException("no user name given");
        }
        line = line.trim();
        return line.isEmpty() && fallback != null ? fallback : line;
    }

    private static String promptPassword() {
        char[] p = console().readPassword("%s", "Password: ");
        if (p == null) {
            throw new IllegalArgumentException("no password given");
        }
        return new String(p);
    }

    private static String stripSuffix(String s, String suffix) {
        return s.endsWith(suffix) ? s.substring(0, s.length() - suffix.length()) : s;
    }
}
