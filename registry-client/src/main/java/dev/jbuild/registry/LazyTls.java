package dev.jbuild.registry;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.function.Supplier;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * TLS set up on first use. OkHttp builds the JVM's SSL context and loads its whole trust store when a client is
 * built, which cost a build from a plain-HTTP loopback registry 50 to 150 ms for a handshake it never makes. With
 * these, the cost moves to the first TLS connection.
 */
final class LazyTls {
    private LazyTls() {}

    /** The JVM's trust manager, loaded at the first check of a server's certificate. */
    static final class SystemTrustManager extends X509ExtendedTrustManager {
        private volatile X509ExtendedTrustManager delegate;

        private X509ExtendedTrustManager delegate() {
            X509ExtendedTrustManager d = delegate;
            if (d == null) {
                synchronized (this) {
                    d = delegate;
                    if (d == null) {
                        X509TrustManager system = Tls.systemTrustManager();
                        // The JDK's own (PKIX and SunX509) trust managers are extended ones.
                        d = (X509ExtendedTrustManager) system;
                        delegate = d;
                    }
                }
            }
            return d;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            delegate().checkServerTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            delegate().checkServerTrusted(chain, authType, socket);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            delegate().checkServerTrusted(chain, authType, engine);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            delegate().checkClientTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            delegate().checkClientTrusted(chain, authType, socket);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            delegate().checkClientTrusted(chain, authType, engine);
        }

        /**
         * The trusted CAs once loaded, none before. OkHttp asks at client build time only to index roots for
         * certificate pinning, which jbuild does not use; the handshake's verdict comes from checkServerTrusted.
         */
        @Override
        public X509Certificate[] getAcceptedIssuers() {
            X509ExtendedTrustManager d = delegate;
            return d == null ? new X509Certificate[0] : d.getAcceptedIssuers();
        }
    }

    /** An SSL socket factory made on the first socket. */
    static final class SocketFactory extends SSLSocketFactory {
        private final Supplier<SSLSocketFactory> make;
        private volatile SSLSocketFactory delegate;

        SocketFactory(Supplier<SSLSocketFactory> make) {
            this.make = make;
        }

        private SSLSocketFactory delegate() {
            SSLSocketFactory d = delegate;
            if (d == null) {
                synchronized (this) {
                    d = delegate;
                    if (d == null) {
                        d = make.get();
                        delegate = d;
                    }
                }
            }
            return d;
        }

        @Override
        public String[] getDefaultCipherSuites() {
            return delegate().getDefaultCipherSuites();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return delegate().getSupportedCipherSuites();
        }

        @Override
        public Socket createSocket() throws IOException {
            return delegate().createSocket();
        }

        @Override
        public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
            return delegate().createSocket(s, host, port, autoClose);
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return delegate().createSocket(host, port);
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return delegate().createSocket(host, port, localHost, localPort);
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return delegate().createSocket(host, port);
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
                throws IOException {
            return delegate().createSocket(address, port, localAddress, localPort);
        }
    }
}
