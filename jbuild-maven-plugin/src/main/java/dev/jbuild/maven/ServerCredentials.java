package dev.jbuild.maven;

import dev.jbuild.registry.Credentials;
import dev.jbuild.registry.RegistryOptions;
import org.apache.maven.plugin.logging.Log;
import org.apache.maven.settings.Server;
import org.apache.maven.settings.Settings;
import org.apache.maven.settings.building.SettingsProblem;
import org.apache.maven.settings.crypto.DefaultSettingsDecryptionRequest;
import org.apache.maven.settings.crypto.SettingsDecrypter;
import org.apache.maven.settings.crypto.SettingsDecryptionResult;

/**
 * Registry credentials from settings.xml: a {@code <server>} whose {@code <id>} is the registry
 * ({@code HOST[:PORT]}, e.g. {@code registry.example.com} or {@code docker.io}) gives its user name and password,
 * decrypted as Maven decrypts them ({@code settings-security.xml}'s master password).
 */
final class ServerCredentials {
    private ServerCredentials() {}

    static void addTo(RegistryOptions.Builder options, Settings settings, SettingsDecrypter decrypter, Log log) {
        if (settings == null) {
            return;
        }
        for (Server server : settings.getServers()) {
            if (server.getId() == null || server.getId().isBlank() || server.getUsername() == null) {
                continue;
            }
            SettingsDecryptionResult result = decrypter.decrypt(new DefaultSettingsDecryptionRequest(server));
            boolean failed = false;
            for (SettingsProblem p : result.getProblems()) {
                if (p.getSeverity() != SettingsProblem.Severity.WARNING) {
                    failed = true;
                }
                // The problem names the server, never the password.
                log.warn("jbuild: settings.xml server " + server.getId() + ": " + p.getMessage());
            }
            if (failed || result.getServer() == null) {
                continue;
            }
            Server s = result.getServer();
            String password = s.getPassword() == null ? "" : s.getPassword();
            try {
                options.credentials(s.getId(), Credentials.basic(s.getUsername(), password));
                log.debug("jbuild: credentials for " + s.getId() + " from settings.xml");
            } catch (IllegalArgumentException e) {
                log.debug("jbuild: settings.xml server " + s.getId() + " is no registry: " + e.getMessage());
            }
        }
    }
}
