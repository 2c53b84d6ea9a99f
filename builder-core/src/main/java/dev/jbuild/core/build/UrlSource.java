package dev.jbuild.core.build;

import dev.jbuild.oci.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/**
 * {@code ADD https://...}: downloads to the build's scratch directory, verifying {@code --checksum}
 * while streaming. As in BuildKit the file is named after the URL's last path segment, has mode
 * 0600 and the server's Last-Modified time; a URL is never unpacked.
 */
final class UrlSource {
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NORMAL)
            .connectTimeout(Duration.ofSeconds(30))
            .build();

    private UrlSource() {}

    static boolean isUrl(String s) {
        return s.startsWith("http://") || s.startsWith("https://");
    }

    static CopyExecutor.Content download(String url, String checksum, Path scratch) throws BuildException {
        Digest expected = null;
        if (checksum != null && !checksum.isEmpty()) {
            try {
                expected = Digest.parse(checksum);
            } catch (IllegalArgumentException e) {
                throw new BuildException("invalid --checksum=" + checksum + ": " + e.getMessage());
            }
        }
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new BuildException("invalid URL " + url + ": " + e.getMessage());
        }
        HttpResponse<InputStream> response;
        try {
            response = HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(10)).GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new BuildException("cannot download " + url + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BuildException("interrupted while downloading " + url);
        }
        if (response.statusCode() / 100 != 2) {
            try (InputStream ignored = response.body()) {
                throw new BuildException("cannot download " + url + ": HTTP " + response.statusCode());
            } catch (IOException e) {
                throw new BuildException("cannot download " + url + ": HTTP " + response.statusCode());
            }
        }
        Path file;
        MessageDigest sha = expected != null && expected.algorithm().equals("sha512") ? sha512() : Digest.newSha256();
        try {
            file = Files.createTempFile(scratch, "url-", "");
            try (InputStream in = response.body(); OutputStream out = Files.newOutputStream(file)) {
                byte[] buf = new byte[64 * 1024];
                int n;
                while ((n = in.read(buf)) > 0) {
                    sha.update(buf, 0, n);
                    out.write(buf, 0, n);
                }
            }
        } catch (IOException e) {
            throw new BuildException("cannot download " + url + ": " + e.getMessage());
        }
        if (expected != null) {
            String actual = java.util.HexFormat.of().formatHex(sha.digest());
            if (!actual.equals(expected.hex())) {
                throw new BuildException("checksum mismatch for " + url + ": expected " + expected + ", got "
                        + expected.algorithm() + ":" + actual);
            }
        }
        Instant mtime = response.headers().firstValue("Last-Modified").map(UrlSource::httpDate).orElse(Instant.EPOCH);
        String path = uri.getPath() == null ? "" : uri.getPath();
        String name = path.substring(path.lastIndexOf('/') + 1);
        if (name.isEmpty()) {
            name = "__unnamed__";
        }
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw new BuildException("cannot read the download of " + url + ": " + e.getMessage());
        }
        Path f = file;
        return new CopyExecutor.Content(name, () -> Files.newInputStream(f), size, 0600, mtime);
    }

    private static Instant httpDate(String value) {
        try {
            return ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        } catch (RuntimeException e) {
            return Instant.EPOCH;
        }
    }

    private static MessageDigest sha512() {
        try {
            return MessageDigest.getInstance("SHA-512");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
