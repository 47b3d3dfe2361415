package dev.salient.catalog;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A loopback HTTP server that serves the files of a folder by name, with per-file fault injection and a log of
 * the requests it saw. Bounded: four handler threads; {@link #close()} stops it and interrupts sleeping handlers.
 */
final class MirrorServer implements AutoCloseable {

    /** How one file is answered; {@code hit} counts requests for that file, starting at 1. */
    @FunctionalInterface
    interface Behavior {
        void serve(HttpExchange exchange, byte[] content, int hit) throws IOException, InterruptedException;
    }

    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-");

    private final Path folder;
    private final HttpServer server;
    private final ExecutorService pool = Executors.newFixedThreadPool(4);
    private final Map<String, Behavior> behaviors = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
    private final Map<String, byte[]> contents = new ConcurrentHashMap<>();
    private final List<String> log = Collections.synchronizedList(new ArrayList<>());
    private boolean closed;

    MirrorServer(Path folder) throws IOException {
        this.folder = folder;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.setExecutor(pool);
        server.createContext("/", this::handle);
        server.start();
    }

    URI baseUrl() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
    }

    void on(String fileName, Behavior behavior) {
        behaviors.put(fileName, behavior);
    }

    int requests() {
        return log.size();
    }

    int requests(String fileName) {
        AtomicInteger n = hits.get(fileName);
        return n == null ? 0 : n.get();
    }

    /** "name range" per request, in arrival order ("-" when no Range header). */
    List<String> log() {
        synchronized (log) {
            return List.copyOf(log);
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String name = exchange.getRequestURI().getPath().substring(1);
            log.add(name + " " + exchange.getRequestHeaders().getOrDefault("Range", List.of("-")).get(0));
            int hit = hits.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
            Path file = folder.resolve(name);
            if (name.isEmpty() || name.contains("/") || !Files.isRegularFile(file)) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            byte[] content = contents.computeIfAbsent(name, k -> read(file));
            behaviors.getOrDefault(name, normal()).serve(exchange, content, hit);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // the fault injections close connections early on purpose
        }
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- behaviours ----

    /** Serves the file, honouring "Range: bytes=N-". */
    static Behavior normal() {
        return (ex, content, hit) -> send(ex, content, true, -1, 0, 0);
    }

    /** Answers with a bare status code. */
    static Behavior status(int code) {
        return (ex, content, hit) -> ex.sendResponseHeaders(code, -1);
    }

    /**
     * Announces the full length but closes after {@code keep} bytes, for the first {@code failures} requests
     * (all requests if negative); afterwards serves normally.
     */
    static Behavior truncating(int keep, int failures, boolean honourRange) {
        return (ex, content, hit) -> {
            boolean fail = failures < 0 || hit <= failures;
            send(ex, content, honourRange, fail ? keep : -1, 0, 0);
        };
    }

    /** Serves bytes of the right length but wrong content. */
    static Behavior otherBytes() {
        return (ex, content, hit) -> {
            byte[] other = content.clone();
            other[other.length / 2] ^= 0x5A;
            send(ex, other, true, -1, 0, 0);
        };
    }

    /** Serves in chunks with a pause after each, so that downloads overlap in time. */
    static Behavior throttled(int chunk, long pauseMillis) {
        return (ex, content, hit) -> send(ex, content, true, -1, chunk, pauseMillis);
    }

    /** Sends the headers and a few bytes, then goes silent for {@code millis}. */
    static Behavior stalling(long millis) {
        return (ex, content, hit) -> {
            ex.sendResponseHeaders(200, content.length);
            OutputStream out = ex.getResponseBody();
            out.write(content, 0, 10);
            out.flush();
            Thread.sleep(millis);
        };
    }

    private static void send(HttpExchange ex, byte[] content, boolean honourRange, int keep, int chunk, long pause)
            throws IOException, InterruptedException {
        int from = 0;
        String range = ex.getRequestHeaders().getFirst("Range");
        if (honourRange && range != null) {
            Matcher m = RANGE.matcher(range);
            if (m.matches()) {
                from = Integer.parseInt(m.group(1));
            }
        }
        int length = content.length - from;
        if (from > 0) {
            ex.getResponseHeaders().set("Content-Range", "bytes " + from + "-" + (content.length - 1) + "/" + content.length);
            ex.sendResponseHeaders(206, length);
        } else {
            ex.sendResponseHeaders(200, length);
        }
        OutputStream out = ex.getResponseBody();
        int toWrite = keep >= 0 ? Math.min(keep, length) : length;
        int step = chunk > 0 ? chunk : toWrite;
        for (int off = 0; off < toWrite; off += step) {
            out.write(content, from + off, Math.min(step, toWrite - off));
            out.flush();
            if (pause > 0) {
                Thread.sleep(pause);
            }
        }
        out.flush();
        // When keep < length, closing now makes the server drop the connection: the client sees a short body.
    }

    @Override
    public synchronized void close() throws InterruptedException {
        if (closed) {
            return;
        }
        closed = true;
        server.stop(0);
        pool.shutdownNow();
        pool.awaitTermination(10, TimeUnit.SECONDS);
    }
}
