package dev.jbuild.registry;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/** PEM certificates and keys (PKCS#8, PKCS#1 RSA, SEC1 EC), trust managers and socket factories, with the JDK only. */
final class Tls {
    private Tls() {}

    private static final Pattern PEM = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----\\s*([A-Za-z0-9+/=\\s]*?)-----END \\1-----");
    private static final byte[] OID_EC_PUBLIC_KEY = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};
    private static final byte[] OID_RSA = {0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01,
        0x01};

    record PemBlock(String type, byte[] der) {}

    static List<PemBlock> readPem(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.US_ASCII);
        List<PemBlock> out = new ArrayList<>();
        Matcher m = PEM.matcher(text);
        while (m.find()) {
            try {
                out.add(new PemBlock(m.group(1), Base64.getMimeDecoder().decode(m.group(2))));
            } catch (IllegalArgumentException e) {
                throw new IOException(file + ": invalid base64 in a PEM " + m.group(1) + " block");
            }
        }
        return out;
    }

    /** Every CERTIFICATE block of a PEM file; an IOException when there is none. */
    static List<X509Certificate> readCertificates(Path file) throws IOException {
        List<X509Certificate> certs = new ArrayList<>();
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            for (PemBlock b : readPem(file)) {
                if (b.type().equals("CERTIFICATE")) {
                    certs.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(b.der())));
                }
            }
        } catch (CertificateException e) {
            throw new IOException(file + ": invalid certificate: " + e.getMessage(), e);
        }
        if (certs.isEmpty()) {
            throw new IOException(file + ": no PEM certificate in the file");
        }
        return certs;
    }

    /** The first private key of a PEM file: PRIVATE KEY (PKCS#8), RSA PRIVATE KEY or EC PRIVATE KEY. */
    static PrivateKey readPrivateKey(Path file) throws IOException {
        for (PemBlock b : readPem(file)) {
            byte[] pkcs8;
            switch (b.type()) {
                case "PRIVATE KEY" -> pkcs8 = b.der();
                case "RSA PRIVATE KEY" -> pkcs8 = sequence(new byte[] {0x02, 0x01, 0x00},
                        sequence(OID_RSA, new byte[] {0x05, 0x00}), tlv(0x04, b.der()));
                case "EC PRIVATE KEY" -> pkcs8 = sec1ToPkcs8(file, b.der());
                case "ENCRYPTED PRIVATE KEY" -> throw new IOException(file + ": encrypted private keys are not supported");
                default -> {
                    continue;
                }
            }
            for (String alg : new String[] {"RSA", "EC", "Ed25519", "Ed448"}) {
                try {
                    return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
                } catch (GeneralSecurityException ignored) {
                    // try the next algorithm
                }
            }
            throw new IOException(file + ": unsupported private key (RSA, EC, Ed25519 are supported)");
        }
        throw new IOException(file + ": no PEM private key in the file");
    }

    /** Wraps an RFC 5915 ECPrivateKey (with its named-curve parameters) as a PKCS#8 PrivateKeyInfo. */
    private static byte[] sec1ToPkcs8(Path file, byte[] sec1) throws IOException {
        try {
            int[] seq = readTlv(sec1, 0);
            if ((sec1[0] & 0xff) != 0x30) {
                throw new IOException("not a sequence");
            }
            int pos = seq[1];
            byte[] curve = null;
            while (pos < seq[2]) {
                int[] t = readTlv(sec1, pos);
                if ((sec1[pos] & 0xff) == 0xa0) {
                    int[] oid = readTlv(sec1, t[1]);
                    curve = java.util.Arrays.copyOfRange(sec1, t[1], oid[2]);
                }
                pos = t[2];
            }
            if (curve == null) {
                throw new IOException("no named curve in the key");
            }
            return sequence(new byte[] {0x02, 0x01, 0x00}, sequence(OID_EC_PUBLIC_KEY, curve), tlv(0x04, sec1));
        } catch (IOException | RuntimeException e) {
            throw new IOException(file + ": invalid EC PRIVATE KEY: " + e.getMessage());
        }
    }

    /** {tag offset, content start, end} of the DER element at {@code pos}. */
    private static int[] readTlv(byte[] b, int pos) throws IOException {
        int p = pos + 1;
        int len = b[p++] & 0xff;
        if (len >= 0x80) {
            int n = len & 0x7f;
            if (n == 0 || n > 3) {
                throw new IOException("unsupported DER length");
            }
            len = 0;
            for (int i = 0; i < n; i++) {
                len = (len << 8) | (b[p++] & 0xff);
            }
        }
        if (p + len > b.length) {
            throw new IOException("truncated DER");
        }
        return new int[] {pos, p, p + len};
    }

    private static byte[] tlv(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        int len = content.length;
        if (len < 0x80) {
            out.write(len);
        } else if (len < 0x100) {
            out.write(0x81);
            out.write(len);
        } else if (len < 0x10000) {
            out.write(0x82);
            out.write(len >> 8);
            out.write(len);
        } else {
            out.write(0x83);
            out.write(len >> 16);
            out.write(len >> 8);
            out.write(len);
        }
        out.writeBytes(content);
        return out.toByteArray();
    }

    private static byte[] sequence(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return tlv(0x30, out.toByteArray());
    }

    /** The JVM's default trust manager (its cacerts, or javax.net.ssl.trustStore). */
    static X509TrustManager systemTrustManager() {
        try {
            TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            f.init((KeyStore) null);
            for (TrustManager tm : f.getTrustManagers()) {
                if (tm instanceof X509TrustManager x) {
                    return x;
                }
            }
            throw new IllegalStateException("the JVM has no X509TrustManager");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot initialise the JVM's trust manager", e);
        }
    }

    /** Trusts the JVM's CAs and {@code extra}. */
    static X509TrustManager trustManager(List<X509Certificate> extra) {
        X509TrustManager system = systemTrustManager();
        if (extra.isEmpty()) {
            return system;
        }
        try {
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            int i = 0;
            for (X509Certificate c : extra) {
                ks.setCertificateEntry("ca-" + i++, c);
            }
            TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            f.init(ks);
            X509TrustManager custom = (X509TrustManager) f.getTrustManagers()[0];
            return new CompositeTrustManager(custom, system);
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build a trust manager", e);
        }
    }

    /** For registries named as insecure: any certificate. */
    static X509TrustManager trustAll() {
        return new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
                // trusted
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
                // the registry is configured as insecure
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
    }

    record ClientCertificate(Path certFile, List<X509Certificate> chain, PrivateKey key) {}

    static KeyManager[] keyManagers(List<ClientCertificate> certs) throws IOException {
        if (certs.isEmpty()) {
            return null;
        }
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            char[] pw = new char[0];
            int i = 0;
            for (ClientCertificate c : certs) {
                ks.setKeyEntry("client-" + i++, c.key(), pw, c.chain().toArray(new X509Certificate[0]));
            }
            KeyManagerFactory f = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            f.init(ks, pw);
            return f.getKeyManagers();
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot use client certificate " + certs.get(0).certFile() + ": " + e.getMessage(), e);
        }
    }

    static SSLSocketFactory socketFactory(X509TrustManager tm, KeyManager[] kms) {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kms, new TrustManager[] {tm}, null);
            return ctx.getSocketFactory();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot initialise TLS", e);
        }
    }

    /** True when a TLS failure is about the peer's certificate (untrusted, expired, wrong name). */
    static boolean isCertificateProblem(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof CertificateException || t instanceof CertPathValidatorException
                    || t instanceof SSLPeerUnverifiedException
                    || t.getMessage() != null && t.getMessage().contains("PKIX")) {
                return true;
            }
        }
        return false;
    }

    /** True when the peer answered with a TLS alert: it speaks TLS (and refused the handshake). */
    static boolean isTlsAlert(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && t.getMessage().contains("Received fatal alert")) {
                return true;
            }
        }
        return false;
    }

    private static final class CompositeTrustManager implements X509TrustManager {
        private final X509TrustManager first;
        private final X509TrustManager second;

        CompositeTrustManager(X509TrustManager first, X509TrustManager second) {
            this.first = first;
            this.second = second;
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            try {
                first.checkClientTrusted(chain, authType);
            } catch (CertificateException e) {
                second.checkClientTrusted(chain, authType);
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            try {
                first.checkServerTrusted(chain, authType);
            } catch (CertificateException e) {
                second.checkServerTrusted(chain, authType);
            }
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            X509Certificate[] a = first.getAcceptedIssuers();
            X509Certificate[] b = second.getAcceptedIssuers();
            X509Certificate[] all = java.util.Arrays.copyOf(a, a.length + b.length);
            System.arraycopy(b, 0, all, a.length, b.length);
            return all;
        }
    }
}
