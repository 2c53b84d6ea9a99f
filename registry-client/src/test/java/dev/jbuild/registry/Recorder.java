package dev.jbuild.registry;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;

/** An okhttp interceptor that records every request the client makes (and can slow uploads down). */
final class Recorder implements Interceptor {
    /** One exchange: method, URL path and query, Content-Range, status (-1 for a connection failure), Range. */
    record Call(String method, String scheme, String path, String query, String contentRange, int status,
            boolean authorized, String range) {
        boolean is(String m, String pathPart) {
            return method.equals(m) && path.contains(pathPart);
        }

        String queryParameter(String name) {
            if (query == null) {
                return null;
            }
            for (String p : query.split("&")) {
                if (p.startsWith(name + "=")) {
                    return java.net.URLDecoder.decode(p.substring(name.length() + 1),
                            java.nio.charset.StandardCharsets.UTF_8);
                }
            }
            return null;
        }
    }

    final List<Call> calls = new CopyOnWriteArrayList<>();
    private final AtomicInteger inFlightUploads = new AtomicInteger();
    volatile int maxInFlightUploads;
    /** Milliseconds each blob upload request (PUT/PATCH with a body) is held, to make parallelism visible. */
    volatile long uploadDelayMillis;

    @Override
    public Response intercept(Chain chain) throws IOException {
        Request r = chain.request();
        boolean upload = (r.method().equals("PUT") || r.method().equals("PATCH"))
                && r.url().encodedPath().contains("/blobs/uploads/");
        if (upload) {
            int now = inFlightUploads.incrementAndGet();
            synchronized (this) {
                maxInFlightUploads = Math.max(maxInFlightUploads, now);
            }
        }
        try {
            if (upload && uploadDelayMillis > 0) {
                Thread.sleep(uploadDelayMillis);
            }
            Response resp = chain.proceed(r);
            calls.add(new Call(r.method(), r.url().scheme(), r.url().encodedPath(), r.url().encodedQuery(),
                    r.header("Content-Range"), resp.code(), r.header("Authorization") != null, r.header("Range")));
            return resp;
        } catch (IOException e) {
            calls.add(new Call(r.method(), r.url().scheme(), r.url().encodedPath(), r.url().encodedQuery(),
                    r.header("Content-Range"), -1, r.header("Authorization") != null, r.header("Range")));
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException();
        } finally {
            if (upload) {
                inFlightUploads.decrementAndGet();
            }
        }
    }

    List<Call> matching(Predicate<Call> p) {
        List<Call> out = new ArrayList<>();
        for (Call c : calls) {
            if (p.test(c)) {
                out.add(c);
            }
        }
        return out;
    }

    long count(String method, String pathPart) {
        return calls.stream().filter(c -> c.is(method, pathPart)).count();
    }

    void clear() {
        calls.clear();
        maxInFlightUploads = 0;
    }
}
