package dev.jbuild.build;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Opcodes;

/**
 * Build-time tool of the packaged command (cli/pom.xml, package phase), run as a single-file source program with
 * ASM on its class path: {@code java -cp asm.jar ClassFileUpgrade.java IN.jar OUT.jar}.
 *
 * <p>Copies the shaded jar IN to OUT (bin/jbuild's lib/jbuild.jar) entry by entry, in the same order with the same
 * names, times, extra fields and comments, every entry STORED: a class that the start-up archives lack is then read
 * straight from the mapped jar, without inflating. The bytes of every entry are IN's, except for class files older
 * than Java 6 (major version below 50, picocli's Java 5 classes), which are rewritten as Java 8 class files with
 * stack map frames computed by ASM.
 *
 * <p>Why: neither a CDS archive nor a JDK 25 AOT cache holds a class file without a StackMapTable (it needs the old
 * type-inferring verifier), so every start of the command loaded, parsed and verified picocli's 200-odd classes from
 * the jar, some tens of milliseconds of a 0.4 s no-op build. Upgraded, they come mapped from the archive like the
 * rest. The upgrade changes no code: it adds frames and the version that requires them.
 *
 * <p>A class that cannot be rewritten (a JSR/RET subroutine, which class files of version 51 and later may not
 * contain, or a type the frames need that the jar does not hold) fails the tool, and so the build, with its name.
 */
public final class ClassFileUpgrade {
    /** Java 6: the first class file version with StackMapTable frames, and the oldest that the archives hold. */
    static final int FIRST_VERSION_WITH_FRAMES = 50;
    /** Java 8 rather than 6 or 7: no verifier fallback to type inference, and the floor of every tool around. */
    static final int UPGRADED_VERSION = Opcodes.V1_8;

    private ClassFileUpgrade() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: ClassFileUpgrade IN.jar OUT.jar");
            System.exit(2);
        }
        Path in = Path.of(args[0]);
        Path out = Path.of(args[1]);
        try {
            int upgraded = copy(in, out);
            System.out.printf("class-file-upgrade: %s: %d class files below version %d rewritten as version %d%n",
                    out, upgraded, FIRST_VERSION_WITH_FRAMES, UPGRADED_VERSION);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(out); // no half-written jar for the steps after a failed build to pick up
            throw e;
        }
    }

    /** Copies IN to OUT as described above; returns how many class files were upgraded. */
    static int copy(Path in, Path out) throws IOException {
        Files.createDirectories(out.toAbsolutePath().getParent());
        int upgraded = 0;
        // The frames' merge points need the common superclass of two types, which ASM finds by loading them: the
        // jar's own classes from the jar, the JDK's from the platform loader. Loading does not initialise them.
        try (ZipFile zip = new ZipFile(in.toFile());
             URLClassLoader types = new URLClassLoader(new URL[] {in.toUri().toURL()},
                     ClassLoader.getPlatformClassLoader());
             OutputStream file = Files.newOutputStream(out);
             ZipOutputStream jar = new ZipOutputStream(new BufferedOutputStream(file, 1 << 16))) {
            for (Enumeration<? extends ZipEntry> entries = zip.entries(); entries.hasMoreElements(); ) {
                ZipEntry entry = entries.nextElement();
                byte[] data;
                try (var stream = zip.getInputStream(entry)) {
                    data = stream.readAllBytes();
                }
                if (entry.getName().endsWith(".class") && isOlderThanFrames(data)) {
                    data = upgrade(entry.getName(), data, types);
                    upgraded++;
                }
                jar.putNextEntry(stored(entry, data));
                jar.write(data);
                jar.closeEntry();
            }
            if (zip.getComment() != null) {
                jar.setComment(zip.getComment());
            }
        }
        return upgraded;
    }

    /** A class file (by its magic number) whose major version is below {@link #FIRST_VERSION_WITH_FRAMES}. */
    static boolean isOlderThanFrames(byte[] data) {
        if (data.length < 8 || (data[0] & 0xff) != 0xca || (data[1] & 0xff) != 0xfe
                || (data[2] & 0xff) != 0xba || (data[3] & 0xff) != 0xbe) {
            return false;
        }
        int major = (data[6] & 0xff) << 8 | (data[7] & 0xff);
        return major < FIRST_VERSION_WITH_FRAMES;
    }

    /** The class file DATA as version {@link #UPGRADED_VERSION}, its frames computed from the code. */
    static byte[] upgrade(String name, byte[] data, ClassLoader types) {
        ClassWriter writer = new ClassWriter(ClassWriter.COMPUTE_FRAMES) {
            @Override
            protected ClassLoader getClassLoader() {
                return types;
            }
        };
        ClassVisitor newVersion = new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public void visit(int version, int access, String className, String signature, String superName,
                              String[] interfaces) {
                super.visit(UPGRADED_VERSION, access, className, signature, superName, interfaces);
            }
        };
        try {
            // SKIP_FRAMES: an old class file has none; COMPUTE_FRAMES also recomputes max stack and locals.
            new ClassReader(data).accept(newVersion, ClassReader.SKIP_FRAMES);
            return writer.toByteArray();
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot rewrite " + name + " as a version " + UPGRADED_VERSION
                    + " class file: " + e, e);
        }
    }

    /** ENTRY's name, times, extra field and comment, for DATA stored uncompressed. */
    static ZipEntry stored(ZipEntry entry, byte[] data) {
        ZipEntry copy = new ZipEntry(entry);
        CRC32 crc = new CRC32();
        crc.update(data);
        copy.setMethod(ZipEntry.STORED);
        copy.setSize(data.length);
        copy.setCompressedSize(data.length);
        copy.setCrc(crc.getValue());
        return copy;
    }
}
