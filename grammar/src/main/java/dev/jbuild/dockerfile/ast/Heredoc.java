package dev.jbuild.dockerfile.ast;

/**
 * A here-document attached to RUN, COPY or ADD. {@code content} is the raw body, every line with
 * its line break; leading tabs are still there for {@code <<-} (see {@link #chompedContent()}).
 */
public record Heredoc(String name, int fileDescriptor, boolean expand, boolean chomp, String content) {
    /** The body with leading tabs removed from each line when the delimiter was {@code <<-}. */
    public String chompedContent() {
        return chomp ? content.replaceAll("(?m)^\\t+", "") : content;
    }
}
