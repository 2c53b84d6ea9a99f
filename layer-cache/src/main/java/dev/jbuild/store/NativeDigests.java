package dev.jbuild.store;

import java.security.NoSuchAlgorithmException;
import java.security.Provider;
import java.security.Security;
import java.util.List;

/**
 * A security provider whose SHA-256 is {@link NativeSha256}: installed first in the packaged command's JVM (and
 * only there: a build tool's JVM that hosts our plugin keeps its providers), it serves every
 * {@code MessageDigest.getInstance("SHA-256")}, ours and the TLS stack's alike. The packaged command runs without
 * C2 when libcrypto is there (cli/src/dist/bin/jbuild), and the JDK's SHA-256 is fast only when C2 compiles it.
 *
 * <p>The library loads on the first digest, not at installation. Where it cannot (no libcrypto, no JNI library),
 * each instance is the JDK's own SHA-256, so installing is always safe.
 */
public final class NativeDigests extends Provider {
    private static final long serialVersionUID = 1L;

    public NativeDigests() {
        super("jbuild", "1", "SHA-256 from the system's libcrypto");
        putService(new Service(this, "MessageDigest", "SHA-256", NativeSha256.class.getName(),
                List.of("SHA256", "2.16.840.1.101.3.4.2.1", "OID.2.16.840.1.101.3.4.2.1"), null) {
            @Override
            public Object newInstance(Object constructorParameter) throws NoSuchAlgorithmException {
                // Directly, not through reflection as Service does by default: a build makes thousands.
                return NativeSha256.available()
                        ? new NativeSha256()
                        : java.security.MessageDigest.getInstance("SHA-256", jdkProvider());
            }
        });
    }

    /** Puts the provider first; answers false when one by its name is already installed. */
    public static boolean install() {
        return Security.insertProviderAt(new NativeDigests(), 1) != -1;
    }

    /** Whether the SHA-256 this provider serves is libcrypto's, loading the library to find out. */
    public static boolean nativeSha256() {
        return NativeSha256.available();
    }

    private static Provider jdkProvider() throws NoSuchAlgorithmException {
        Provider sun = Security.getProvider("SUN");
        if (sun == null) throw new NoSuchAlgorithmException("neither libcrypto's nor the JDK's SHA-256 is there");
        return sun;
    }
}
