package dev.jbuild.registry;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The test's fault-injecting HTTP/1.1 proxy on loopback, between a client and a plain-HTTP registry: it forwards
 * one request per connection (rewriting {@code Connection: close} both ways) and can cut the connection in the
 * middle of the Nth PATCH, either before anything of it reached the registry or after half of its body did; it
 * can also answer 429 (with Retry-After) or 503 instead of forwarding, for requests whose path matches, cut a
 * response after half its body, or stall a request after half of its body (the request's when it has one, else
 * the response's) until the client goes away — which lets a crash test kill jbuild in the middle of a pull or a
 * push. Public, with {@link #stallNext}, for the CLI's crash tests.
 */
public final class FaultProxy implements AutoCloseable {
    private final ServerSocket server;
    private final int upstreamPort;
    private final Thread acceptor;
    private final AtomicInteger patches = new AtomicInteger();
    final List<String> log = new CopyOnWriteArrayList<>();

    /** Cut the connection during this PATCH (1-based; 0 = never). */
    volatile int dropPatch;
    /** When cutting: first forward the request head and half of the body to the registry. */
    volatile boolean forwardHalfBeforeDrop;
    /** Answer requests whose method and path match with this status, this many times. */
    volatile String faultMethod;
    volatile String faultPathPart;
    volatile int faultStatus;
    volatile String faultRetryAfter;
    final AtomicInteger faultsLeft = new AtomicInteger();
    /** Cut the response of requests whose path contains this after half its body, this many times. */
    volatile String cutResponsePathPart;
    final AtomicInteger cutResponsesLeft = new AtomicInteger();
    /** Stall requests whose method and path match, this many times. */
    private volatile String stallMethod;
    private volatile String stallPathPart;
    private final AtomicInteger stallsLeft = new AtomicInteger();
    private final Semaphore stallsBegun = new Semaphore(0);

    public FaultProxy(int upstreamPort) throws IOException {
        this.upstreamPort = upstreamPort;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::acceptLoop, "fault-proxy");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public String host() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    /**
     * Stalls the next {@code times} requests whose method is {@code method} and whose path contains
     * {@code pathPart}: half of the body (the request's when it has one, else the response's) is forwarded, then
     * nothing more, until the client closes its connection.
     */
    public void stallNext(String method, String pathPart, int times) {
        stallsBegun.drainPermits();
        stallMethod = method;
        stallPathPart = pathPart;
        stallsLeft.set(times);
    }

    /** Waits until a stall began; false after the timeout. */
    public boolean awaitStall(long timeout, TimeUnit unit) throws InterruptedException {
        return stallsBegun.tryAcquire(timeout, unit);
    }

    /** What the proxy did, one line per request or fault. */
    public List<String> log() {
        return List.copyOf(log);
    }

    void failNext(String method, String pathPart, int status, String retryAfter, int times) {
        faultMethod = method;
        faultPathPart = pathPart;
        faultStatus = status;
        faultRetryAfter = retryAfter;
        faultsLeft.set(times);
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket c = server.accept();
                Thread t = new Thread(() -> handle(c), "fault-proxy-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void handle(Socket client) {
        try (client) {
            InputStream cin = new BufferedInputStream(client.getInputStream());
            OutputStream cout = client.getOutputStream();
            List<String> head = readHead(cin);
            if (head == null) {
                return;
            }
            String requestLine = head.get(0);
            String[] parts = requestLine.split(" ");
            String method = parts[0];
            String path = parts.length > 1 ? parts[1] : "";
            long length = contentLength(head);
            log.add(method + " " + path);

            if (method.equals("PATCH") && patches.incrementAndGet() == dropPatch) {
                byte[] half = cin.readNBytes((int) Math.min(length / 2, Integer.MAX_VALUE));
                log.add("DROP " + method + " " + path + " after " + half.length + " of " + length + " bytes"
                        + (forwardHalfBeforeDrop ? " (forwarded)" : ""));
                if (forwardHalfBeforeDrop) {
                    try (Socket up = new Socket("127.0.0.1", upstreamPort)) {
                        OutputStream uout = up.getOutputStream();
                        uout.write(headBytes(head));
                        uout.write(half);
                        uout.flush();
                        Thread.sleep(200);
                        up.setSoLinger(true, 0);
                    }
                    Thread.sleep(300); // let the registry handle the broken request first
                }
                client.setSoLinger(true, 0); // reset, as a dropped connection would
                return;
            }
            String fm = faultMethod;
            String fp = faultPathPart;
            if (fm != null && fm.equals(method) && fp != null && path.contains(fp) && faultsLeft.getAndDecrement() > 0) {
                cin.readNBytes((int) length);
                StringBuilder r = new StringBuilder("HTTP/1.1 " + faultStatus + " Injected\r\n");
                if (faultRetryAfter != null) {
                    r.append("Retry-After: ").append(faultRetryAfter).append("\r\n");
                }
                String body = "{\"errors\":[{\"code\":\"TOOMANYREQUESTS\",\"message\":\"injected fault\"}]}";
                r.append("Content-Type: application/json\r\nContent-Length: ").append(body.length())
                        .append("\r\nConnection: close\r\n\r\n").append(body);
                cout.write(r.toString().getBytes(StandardCharsets.US_ASCII));
                cout.flush();
                log.add("FAULT " + faultStatus + " " + method + " " + path);
                return;
            }
            String sm = stallMethod;
            String sp = stallPathPart;
            boolean stall = sm != null && sm.equals(method) && sp != null && path.contains(sp)
                    && stallsLeft.getAndDecrement() > 0;
            try (Socket up = new Socket()) {
                up.connect(new InetSocketAddress("127.0.0.1", upstreamPort));
                OutputStream uout = up.getOutputStream();
                uout.write(headBytes(head));
                if (stall && length > 0) {
                    copy(cin, uout, length / 2);
                    uout.flush();
                    stallUntilClientGoes(cin, "STALL " + method + " " + path + " after " + length / 2 + " of "
                            + length + " request bytes");
                    return;
                }
                copy(cin, uout, length);
                uout.flush();
                InputStream uin = new BufferedInputStream(up.getInputStream());
                List<String> respHead = readHead(uin);
                if (respHead == null) {
                    return;
                }
                cout.write(headBytes(respHead));
                if (stall) {
                    long half = contentLength(respHead) / 2;
                    copy(uin, cout, half);
                    cout.flush();
                    stallUntilClientGoes(cin, "STALL response of " + method + " " + path + " after " + half + " bytes");
                    return;
                }
                String cut = cutResponsePathPart;
                if (cut != null && path.contains(cut) && cutResponsesLeft.getAndDecrement() > 0) {
                    long half = contentLength(respHead) / 2;
                    copy(uin, cout, half);
                    cout.flush();
                    log.add("CUT response of " + method + " " + path + " after " + half + " bytes");
                    return; // closed (FIN, so that what was sent arrives) before the body is complete

                }
                uin.transferTo(cout);
                cout.flush();
            }
        } catch (IOException | InterruptedException e) {
            log.add("ERROR " + e);
        }
    }

    /** Forwards nothing more; reads (and drops) what the client still sends until it closes the connection. */
    private void stallUntilClientGoes(InputStream cin, String what) {
        log.add(what);
        stallsBegun.release();
        try {
            while (cin.read() >= 0) {
                // dropped
            }
        } catch (IOException gone) {
            // reset by the client's end: what a killed client does
        }
        log.add("END " + what);
    }

    private static long contentLength(List<String> head) {
        for (String h : head.subList(1, head.size())) {
            int colon = h.indexOf(':');
            if (colon > 0 && h.substring(0, colon).trim().equalsIgnoreCase("Content-Length")) {
                return Long.parseLong(h.substring(colon + 1).trim());
            }
            if (colon > 0 && h.substring(0, colon).trim().equalsIgnoreCase("Transfer-Encoding")) {
                throw new IllegalStateException("the fault proxy handles Content-Length bodies only");
            }
        }
        return 0;
    }

    /** The head with any Connection header replaced by {@code Connection: close}. */
    private static byte[] headBytes(List<String> head) {
        StringBuilder sb = new StringBuilder(head.get(0)).append("\r\n");
        for (String h : head.subList(1, head.size())) {
            String name = h.contains(":") ? h.substring(0, h.indexOf(':')).trim().toLowerCase(Locale.ROOT) : "";
            if (name.equals("connection") || name.equals("keep-alive")) {
                continue;
            }
            sb.append(h).append("\r\n");
        }
        sb.append("Connection: close\r\n\r\n");
        return sb.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    private static List<String> readHead(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        List<String> lines = new ArrayList<>();
        int prev = -1;
        while (true) {
            int b = in.read();
            if (b == 0x16 && lines.isEmpty() && line.size() == 0) {
                return null; // a TLS handshake: this proxy speaks plain HTTP only, and says so by closing
            }
            if (b < 0) {
                return lines.isEmpty() && line.size() == 0 ? null : lines;
            }
            if (b == '\n' && prev == '\r') {
                byte[] l = line.toByteArray();
                String s = new String(l, 0, l.length - 1, StandardCharsets.ISO_8859_1);
                line.reset();
                if (s.isEmpty()) {
                    return lines;
                }
                lines.add(s);
            } else {
                line.write(b);
            }
            prev = b;
        }
    }

    private static void copy(InputStream in, OutputStream out, long n) throws IOException {
        byte[] buf = new byte[64 * 1024];
        long left = n;
        while (left > 0) {
            int r = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (r < 0) {
                throw new java.io.EOFException("client body ended early");
            }
            out.write(buf, 0, r);
            left -= r;
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
