package dev.jbuild.store;

import dev.jbuild.oci.Digest;
import java.security.MessageDigest;

/**
 * Makes {@link Digest#newSha256()} libcrypto's SHA-256 ({@link NativeSha256}). The packaged command installs it
 * first thing (and only the packaged command: a build tool's JVM that hosts our plugin keeps the JDK's): it runs
 * the JVM without C2 where libcrypto is there (cli/src/dist/bin/jbuild), and the JDK's SHA-256 is fast only when
 * C2 compiles it.
 *
 * <p>The library loads on the first digest, not at installation. Where it cannot (no libcrypto, no JNI library),
 * each digest is the JDK's, so installing is always safe.
 */
public final class NativeDigests {
    private NativeDigests() {}

    public static void install() {
        Digest.useSha256(NativeDigests::sha256);
    }

    /** libcrypto's SHA-256 where it can be used, else the JDK's. */
    static MessageDigest sha256() {
        return NativeSha256.available() ? new NativeSha256() : Digest.jdkSha256();
    }

    /** Whether {@link #install} gives libcrypto's SHA-256 here, loading the library to find out. */
    public static boolean nativeSha256() {
        return NativeSha256.available();
    }
}
