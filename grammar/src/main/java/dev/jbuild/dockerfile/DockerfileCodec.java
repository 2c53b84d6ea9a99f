package dev.jbuild.dockerfile;

import dev.jbuild.dockerfile.ast.Arg;
import dev.jbuild.dockerfile.ast.Directive;
import dev.jbuild.dockerfile.ast.Dockerfile;
import dev.jbuild.dockerfile.ast.Flag;
import dev.jbuild.dockerfile.ast.Heredoc;
import dev.jbuild.dockerfile.ast.Node;
import dev.jbuild.dockerfile.ast.ParseWarning;
import dev.jbuild.dockerfile.ast.SourceRange;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * A parsed Dockerfile as bytes and back, so that a build can keep the AST of a Dockerfile it parsed before: in a
 * fresh JVM, the lexers and the parser run interpreted and build their prediction tables from nothing, ~20 ms for a
 * ten-line file, where decoding its AST costs well under one.
 *
 * <p>An encoding is only valid for the parser that made it: {@link #PARSER_BUILD} names the build of this module
 * (its time, written into a resource at build time), and whoever keeps encodings keys them with it, so that a jbuild
 * with another parser never reads them.</p>
 */
public final class DockerfileCodec {
    private static final int MAGIC = 0x4a424446; // "JBDF"
    private static final int VERSION = 1;

    /** The build of the parser: encodings made by another build must not be decoded as this parser's output. */
    public static final String PARSER_BUILD = parserBuild();

    private DockerfileCodec() {}

    private static String parserBuild() {
        // The packaged command's launcher names the build of the jar it runs, which spares opening the jar to read it.
        String packaged = System.getProperty("jbuild.parser.build");
        if (packaged != null && !packaged.isEmpty() && !packaged.startsWith("@")) {
            return packaged + " v" + VERSION;
        }
        try (InputStream in = DockerfileCodec.class.getResourceAsStream("parser-build.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            String build = p.getProperty("build", "");
            // An unfiltered resource (a build that skipped resource filtering) names no build: nothing matches it.
            return build.isEmpty() || build.startsWith("${") ? "" : build + " v" + VERSION;
        } catch (IOException e) {
            return "";
        }
    }

    public static byte[] encode(Dockerfile df) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream(256 + df.instructions().size() * 128);
        DataOutputStream out = new DataOutputStream(buf);
        try {
            out.writeInt(MAGIC);
            out.writeInt(VERSION);
            string(out, df.source());
            out.writeInt(df.directives().size());
            for (Directive d : df.directives()) {
                string(out, d.name());
                string(out, d.value());
                range(out, d.range());
            }
            out.writeInt(df.instructions().size());
            for (Node n : df.instructions()) {
                node(out, n);
            }
            out.writeChar(df.escape());
            out.writeInt(df.warnings().size());
            for (ParseWarning w : df.warnings()) {
                string(out, w.rule());
                string(out, w.message());
                range(out, w.range());
            }
            range(out, df.range());
        } catch (IOException impossible) {
            throw new UncheckedIOException(impossible);
        }
        return buf.toByteArray();
    }

    /** The Dockerfile of an encoding; an IllegalArgumentException when the bytes are not one of this version. */
    public static Dockerfile decode(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            if (in.getInt() != MAGIC || in.getInt() != VERSION) {
                throw new IllegalArgumentException("not an encoded Dockerfile of this version");
            }
            String source = string(in);
            int nd = count(in);
            List<Directive> directives = new ArrayList<>(nd);
            for (int i = 0; i < nd; i++) {
                directives.add(new Directive(string(in), string(in), range(in)));
            }
            int nn = count(in);
            List<Node> nodes = new ArrayList<>(nn);
            for (int i = 0; i < nn; i++) {
                nodes.add(node(in));
            }
            char escape = in.getChar();
            int nw = count(in);
            List<ParseWarning> warnings = new ArrayList<>(nw);
            for (int i = 0; i < nw; i++) {
                warnings.add(new ParseWarning(string(in), string(in), range(in)));
            }
            SourceRange range = range(in);
            if (in.hasRemaining()) {
                throw new IllegalArgumentException("trailing bytes after an encoded Dockerfile");
            }
            return new Dockerfile(source, directives, nodes, escape, warnings, range);
        } catch (java.nio.BufferUnderflowException | NullPointerException e) {
            throw new IllegalArgumentException("a damaged encoded Dockerfile", e);
        }
    }

    private static void node(DataOutputStream out, Node n) throws IOException {
        string(out, n.keyword());
        out.writeInt(n.flags().size());
        for (Flag f : n.flags()) {
            string(out, f.text());
            range(out, f.range());
        }
        out.writeInt(n.args().size());
        for (Arg a : n.args()) {
            string(out, a.value());
            range(out, a.range());
        }
        out.writeBoolean(n.child() != null);
        if (n.child() != null) {
            node(out, n.child());
        }
        out.writeBoolean(n.json());
        out.writeInt(n.heredocs().size());
        for (Heredoc h : n.heredocs()) {
            string(out, h.name());
            out.writeInt(h.fileDescriptor());
            out.writeBoolean(h.expand());
            out.writeBoolean(h.chomp());
            string(out, h.content());
        }
        string(out, n.original());
        range(out, n.range());
    }

    private static Node node(ByteBuffer in) {
        String keyword = string(in);
        int nf = count(in);
        List<Flag> flags = new ArrayList<>(nf);
        for (int i = 0; i < nf; i++) {
            flags.add(new Flag(string(in), range(in)));
        }
        int na = count(in);
        List<Arg> args = new ArrayList<>(na);
        for (int i = 0; i < na; i++) {
            args.add(new Arg(string(in), range(in)));
        }
        Node child = in.get() != 0 ? node(in) : null;
        boolean json = in.get() != 0;
        int nh = count(in);
        List<Heredoc> heredocs = new ArrayList<>(nh);
        for (int i = 0; i < nh; i++) {
            heredocs.add(new Heredoc(string(in), in.getInt(), in.get() != 0, in.get() != 0, string(in)));
        }
        return new Node(keyword, flags, args, child, json, heredocs, string(in), range(in));
    }

    /** A string or null: its UTF-8 length (-1 for null) and bytes. */
    private static void string(DataOutputStream out, String s) throws IOException {
        if (s == null) {
            out.writeInt(-1);
            return;
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String string(ByteBuffer in) {
        int n = in.getInt();
        if (n < -1 || n > in.remaining()) {
            throw new IllegalArgumentException("a damaged encoded Dockerfile: string length " + n);
        }
        if (n == -1) {
            return null;
        }
        String s = new String(in.array(), in.position(), n, StandardCharsets.UTF_8);
        in.position(in.position() + n);
        return s;
    }

    private static int count(ByteBuffer in) {
        int n = in.getInt();
        if (n < 0 || n > in.remaining()) {
            throw new IllegalArgumentException("a damaged encoded Dockerfile: count " + n);
        }
        return n;
    }

    private static void range(DataOutputStream out, SourceRange r) throws IOException {
        out.writeBoolean(r != null);
        if (r != null) {
            out.writeInt(r.startLine());
            out.writeInt(r.startColumn());
            out.writeInt(r.endLine());
        }
    }

    private static SourceRange range(ByteBuffer in) {
        return in.get() != 0 ? new SourceRange(in.getInt(), in.getInt(), in.getInt()) : null;
    }
}
