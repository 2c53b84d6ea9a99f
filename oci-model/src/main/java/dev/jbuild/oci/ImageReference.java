package dev.jbuild.oci;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * An image reference as Docker reads it (the grammar of distribution/reference, normalised as
 * {@code ParseNormalizedNamed} does), so that {@code FROM busybox} means what it means to Docker:
 * {@code docker.io/library/busybox:latest}.
 *
 * <p>{@link #parse} fills in Docker's defaults: registry {@code docker.io} when the first path component is not
 * a host (no {@code .} or {@code :}, not {@code localhost}, not upper-case), {@code library/} for a one-component
 * Docker Hub name, {@code index.docker.io} as {@code docker.io}, and tag {@code latest} when neither tag nor
 * digest is given. A tag given together with a digest is kept (Docker pulls by the digest).
 *
 * <p>Deliberate differences from distribution/reference: a first component that looks like a host (has a
 * {@code .} or {@code :}) but is not a valid host is rejected, where Docker would silently take it as part of a
 * registry-less path; and digests are limited to the algorithms {@link Digest} supports (sha256, sha512).
 */
public record ImageReference(String registry, String repository, String tag, Digest digest) {
    public static final String DOCKER_HUB = "docker.io";
    public static final String DEFAULT_TAG = "latest";
    private static final String LEGACY_DOCKER_HUB = "index.docker.io";
    private static final String OFFICIAL_PREFIX = "library/";
    /** distribution/reference limits the repository path, without the registry. */
    private static final int MAX_REPOSITORY_LENGTH = 255;

    private static final String DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
    private static final Pattern DOMAIN = Pattern.compile("(?:" + DOMAIN_COMPONENT + "(?:\\." + DOMAIN_COMPONENT
            + ")*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?");
    private static final Pattern PATH_COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
    private static final Pattern DIGEST = Pattern.compile(
            "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}");
    private static final Pattern IMAGE_ID = Pattern.compile("[a-f0-9]{64}");

    /** Checks each part; does not apply Docker's defaults (use {@link #parse} for that). */
    public ImageReference {
        if (registry == null || !DOMAIN.matcher(registry).matches()) {
            throw new IllegalArgumentException("invalid registry host \"" + registry + "\"");
        }
        String problem = repositoryProblem(repository);
        if (problem != null) {
            throw new IllegalArgumentException("invalid repository \"" + repository + "\": " + problem);
        }
        if (tag != null && !TAG.matcher(tag).matches()) {
            throw new IllegalArgumentException("invalid tag \"" + tag + "\": must match [A-Za-z0-9_][A-Za-z0-9_.-]"
                    + "{0,127}");
        }
    }

    /**
     * Parses a reference as {@code docker pull} does; throws IllegalArgumentException naming the input and the
     * reason, in distribution/reference's words where it has them.
     */
    public static ImageReference parse(String s) {
        if (s == null || s.isEmpty()) {
            throw invalid(s, "repository name must have at least one component");
        }
        if (IMAGE_ID.matcher(s).matches()) {
            throw invalid(s, "cannot specify 64-byte hexadecimal strings");
        }
        // Split the registry off as Docker's splitDockerDomain does.
        String registry;
        String rest;
        int slash = s.indexOf('/');
        String first = slash < 0 ? null : s.substring(0, slash);
        if (first == null) {
            registry = DOCKER_HUB;
            rest = s;
        } else if (first.equals("localhost") || first.contains(".") || first.contains(":")
                || !first.toLowerCase(Locale.ROOT).equals(first)) {
            registry = first.equals(LEGACY_DOCKER_HUB) ? DOCKER_HUB : first;
            rest = s.substring(slash + 1);
        } else {
            registry = DOCKER_HUB;
            rest = s;
        }
        if (registry.equals(DOCKER_HUB) && rest.indexOf('/') < 0) {
            rest = OFFICIAL_PREFIX + rest;
        }
        int colon = rest.indexOf(':');
        String remote = colon < 0 ? rest : rest.substring(0, colon);
        if (!remote.toLowerCase(Locale.ROOT).equals(remote)) {
            throw invalid(s, "repository name (" + remote + ") must be lowercase");
        }
        if (!DOMAIN.matcher(registry).matches()) {
            throw invalid(s, "invalid registry host \"" + registry + "\"");
        }

        Digest digest = null;
        int at = rest.indexOf('@');
        String nameAndTag = rest;
        if (at >= 0) {
            String d = rest.substring(at + 1);
            nameAndTag = rest.substring(0, at);
            if (!DIGEST.matcher(d).matches()) {
                throw invalid(s, "invalid reference format: bad digest \"" + d + "\"");
            }
            try {
                digest = Digest.parse(d);
            } catch (IllegalArgumentException e) {
                throw invalid(s, e.getMessage());
            }
        }
        String repository = nameAndTag;
        String tag = null;
        int tagColon = nameAndTag.lastIndexOf(':');
        if (tagColon > nameAndTag.lastIndexOf('/')) {
            repository = nameAndTag.substring(0, tagColon);
            tag = nameAndTag.substring(tagColon + 1);
            if (!TAG.matcher(tag).matches()) {
                throw invalid(s, "invalid reference format: bad tag \"" + tag + "\"");
            }
        }
        String problem = repositoryProblem(repository);
        if (problem != null) {
            throw invalid(s, problem);
        }
        if (tag == null && digest == null) {
            tag = DEFAULT_TAG;
        }
        return new ImageReference(registry, repository, tag, digest);
    }

    private static String repositoryProblem(String repository) {
        if (repository == null || repository.isEmpty()) {
            return "repository name must have at least one component";
        }
        if (repository.length() > MAX_REPOSITORY_LENGTH) {
            return "repository name must not be more than " + MAX_REPOSITORY_LENGTH + " characters";
        }
        for (String component : repository.split("/", -1)) {
            if (!PATH_COMPONENT.matcher(component).matches()) {
                if (PATH_COMPONENT.matcher(component.toLowerCase(Locale.ROOT)).matches()) {
                    return "repository name must be lowercase";
                }
                return "invalid reference format: bad path component \"" + component + "\" (lower-case letters"
                        + " and digits, separated by '.', '_', '__' or dashes)";
            }
        }
        return null;
    }

    private static IllegalArgumentException invalid(String input, String reason) {
        return new IllegalArgumentException("invalid image reference \"" + input + "\": " + reason);
    }

    /** {@code registry/repository}, the name without tag or digest. */
    public String name() {
        return registry + "/" + repository;
    }

    /** Docker's short form of the name: {@code busybox} for {@code docker.io/library/busybox}. */
    public String familiarName() {
        if (!registry.equals(DOCKER_HUB)) {
            return name();
        }
        if (repository.startsWith(OFFICIAL_PREFIX)
                && repository.indexOf('/', OFFICIAL_PREFIX.length()) < 0) {
            return repository.substring(OFFICIAL_PREFIX.length());
        }
        return repository;
    }

    /** Docker's short form, as {@code docker images} shows it: {@code busybox:latest}. */
    public String familiar() {
        return familiarName() + suffix();
    }

    public ImageReference withTag(String newTag) {
        return new ImageReference(registry, repository, newTag, digest);
    }

    public ImageReference withDigest(Digest newDigest) {
        return new ImageReference(registry, repository, tag, newDigest);
    }

    private String suffix() {
        return (tag == null ? "" : ":" + tag) + (digest == null ? "" : "@" + digest);
    }

    /** The fully qualified form: {@code docker.io/library/busybox:latest}. */
    @Override
    public String toString() {
        return name() + suffix();
    }
}
