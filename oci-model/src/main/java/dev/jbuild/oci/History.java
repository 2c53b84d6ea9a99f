package dev.jbuild.oci;

/**
 * One entry of the config's {@code history}: what made a layer (or, with {@code emptyLayer}, a metadata-only
 * step). Tools such as {@code docker history} pair entries with layers by skipping the empty ones, so
 * {@code emptyLayer} must be right. Empty strings are held as null and omitted, as Go's {@code omitempty} does;
 * {@code created} is RFC 3339 text kept as read (see {@link OciJson#formatTime}).
 */
public record History(String created, String createdBy, String author, String comment, boolean emptyLayer) {
    public History {
        created = Values.emptyToNull(created);
        createdBy = Values.emptyToNull(createdBy);
        author = Values.emptyToNull(author);
        comment = Values.emptyToNull(comment);
    }

    /** An entry for a step that made a layer. */
    public static History layer(String created, String createdBy, String comment) {
        return new History(created, createdBy, null, comment, false);
    }

    /** An entry for a metadata-only step (ENV, CMD, ...), written with {@code "empty_layer":true}. */
    public static History empty(String created, String createdBy, String comment) {
        return new History(created, createdBy, null, comment, true);
    }
}
