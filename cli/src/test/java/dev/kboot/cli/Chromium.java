package dev.kboot.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Debian's headless Chromium driven over the Chrome DevTools Protocol (a WebSocket, JSON messages
 * {@code {id, method, params}}; chromedevtools.github.io/devtools-protocol), for tests of pages kboot
 * writes: load a file, evaluate script, click, collect console errors, take a screenshot. Started
 * with a fresh profile and without any background network use; closing stops Chromium and every
 * process it started.
 */
final class Chromium implements AutoCloseable {
    static final Path BINARY = Path.of("/usr/bin/chromium");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern LISTENING = Pattern.compile("DevTools listening on (ws://\\S+)");
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final Process process;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final List<JsonNode> events = new ArrayList<>();

    private Chromium(Process process, WebSocket socket) {
        this.process = process;
        this.socket = socket;
    }

    /**
     * Starts Chromium (about:blank, 1280x900) and attaches to its page.
     *
     * @param profile an empty directory for the user data
     */
    static Chromium start(Path profile) throws Exception {
        if (!Files.isExecutable(BINARY)) {
            throw new AssertionError(BINARY + " is missing: scripts/setup.sh installs Debian's chromium");
        }
        Process p = new ProcessBuilder(BINARY.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic",
                "--disable-default-apps", "--disable-extensions", "--mute-audio", "--window-size=1280,900",
                "--user-data-dir=" + profile, "--remote-debugging-port=0", "about:blank")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            String ws = browserUrl(p);
            URI browser = URI.create(ws);
            HttpClient http = HttpClient.newHttpClient();
            JsonNode list = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create("http://" + browser.getAuthority() + "/json/list"))
                    .timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofString()).body());
            String page = null;
            for (JsonNode t : list) {
                if (t.path("type").asText().equals("page")) {
                    page = t.path("webSocketDebuggerUrl").asText();
                }
            }
            if (page == null) {
                throw new AssertionError("Chromium has no page target: " + list);
            }
            Chromium[] self = new Chromium[1];
            CountDownLatch ready = new CountDownLatch(1);
            WebSocket socket = http.newWebSocketBuilder().connectTimeout(TIMEOUT).buildAsync(URI.create(page), new WebSocket.Listener() {
                private final StringBuilder frame = new StringBuilder();

                @Override
                public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                    frame.append(data);
                    if (last) {
                        String text = frame.toString();
                        frame.setLength(0);
                        try {
                            ready.await();
                            self[0].received(JSON.readTree(text));
                        } catch (Exception e) {
                            // a malformed frame: the caller times out and says so
                        }
                    }
                    ws.request(1);
                    return null;
                }
            }).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            self[0] = new Chromium(p, socket);
            ready.countDown();
            self[0].send("Runtime.enable", null);
            self[0].send("Log.enable", null);
            self[0].send("Page.enable", null);
            return self[0];
        } catch (Exception | AssertionError e) {
            stop(p);
            throw e;
        }
    }

    private static String browserUrl(Process p) throws Exception {
        CompletableFuture<String> url = new CompletableFuture<>();
        StringBuilder seen = new StringBuilder();
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) {
                    Matcher m = LISTENING.matcher(l);
                    if (m.find()) {
                        url.complete(m.group(1));
                    } else if (seen.length() < 4000) {
                        seen.append(l).append('\n');
                    }
                }
                url.completeExceptionally(new AssertionError("Chromium ended without a DevTools port:\n" + seen));
            } catch (IOException e) {
                url.completeExceptionally(e);
            }
        }, "chromium-stderr");
        t.setDaemon(true);
        t.start();
        return url.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }

    private void received(JsonNode msg) {
        if (msg.has("id")) {
            CompletableFuture<JsonNode> f = pending.remove(msg.get("id").asInt());
            if (f != null) {
                if (msg.has("error")) {
                    f.completeExceptionally(new AssertionError("CDP error: " + msg.get("error")));
                } else {
                    f.complete(msg.path("result"));
                }
            }
        } else {
            synchronized (events) {
                events.add(msg);
                events.notifyAll();
            }
        }
    }

    /** Sends one command and waits for its result. */
    JsonNode send(String method, ObjectNode params) throws Exception {
        int id = ids.incrementAndGet();
        ObjectNode msg = JSON.createObjectNode();
        msg.put("id", id);
        msg.put("method", method);
        msg.set("params", params == null ? JSON.createObjectNode() : params);
        CompletableFuture<JsonNode> f = new CompletableFuture<>();
        pending.put(id, f);
        socket.sendText(JSON.writeValueAsString(msg), true).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        return f.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }

    /** Opens a file and waits for its load event. */
    void open(Path file) throws Exception {
        int before;
        synchronized (events) {
            before = events.size();
        }
        ObjectNode p = JSON.createObjectNode();
        p.put("url", file.toUri().toString());
        send("Page.navigate", p);
        long end = System.nanoTime() + TIMEOUT.toNanos();
        synchronized (events) {
            while (events.subList(before, events.size()).stream().noneMatch(e -> e.path("method").asText().equals("Page.loadEventFired"))) {
                long left = end - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("the page did not load within " + TIMEOUT + ": " + file);
                }
                events.wait(TimeUnit.NANOSECONDS.toMillis(left) + 1);
            }
        }
    }

    /** @return the value of a script expression, evaluated in the page */
    JsonNode eval(String expression) throws Exception {
        ObjectNode p = JSON.createObjectNode();
        p.put("expression", expression);
        p.put("returnByValue", true);
        JsonNode r = send("Runtime.evaluate", p);
        if (r.has("exceptionDetails")) {
            throw new AssertionError("script failed: " + expression + ": " + r.get("exceptionDetails"));
        }
        return r.path("result").path("value");
    }

    /** Clicks the middle of the first element matching {@code selector} with the mouse, as a person does. */
    void click(String selector) throws Exception {
        JsonNode rect = eval("(function(){var e=document.querySelector(" + JSON.writeValueAsString(selector) + ");"
                + "if(!e)return null;e.scrollIntoView({block:'center'});var r=e.getBoundingClientRect();return {x:r.x+r.width/2,y:r.y+r.height/2};})()");
        if (rect.isNull() || rect.isMissingNode()) {
            throw new AssertionError("nothing to click: " + selector);
        }
        for (String type : List.of("mousePressed", "mouseReleased")) {
            ObjectNode p = JSON.createObjectNode();
            p.put("type", type);
            p.put("x", rect.get("x").asDouble());
            p.put("y", rect.get("y").asDouble());
            p.put("button", "left");
            p.put("clickCount", 1);
            send("Input.dispatchMouseEvent", p);
        }
    }

    /** Writes a PNG of the whole page. */
    void screenshot(Path png) throws Exception {
        ObjectNode p = JSON.createObjectNode();
        p.put("format", "png");
        p.put("captureBeyondViewport", true);
        Files.createDirectories(png.toAbsolutePath().getParent());
        Files.write(png, Base64.getDecoder().decode(send("Page.captureScreenshot", p).path("data").asText()));
    }

    /** @return console errors, uncaught exceptions and error log entries so far, one line each */
    List<String> errors() {
        List<String> out = new ArrayList<>();
        synchronized (events) {
            for (JsonNode e : events) {
                String m = e.path("method").asText();
                JsonNode p = e.path("params");
                if (m.equals("Runtime.exceptionThrown")) {
                    out.add("exception: " + p.path("exceptionDetails"));
                } else if (m.equals("Runtime.consoleAPICalled") && List.of("error", "assert").contains(p.path("type").asText())) {
                    out.add("console." + p.path("type").asText() + ": " + p.path("args"));
                } else if (m.equals("Log.entryAdded") && p.path("entry").path("level").asText().equals("error")) {
                    out.add("log: " + p.path("entry").path("text").asText() + " " + p.path("entry").path("url").asText());
                }
            }
        }
        return out;
    }

    @Override
    public void close() {
        socket.abort();
        stop(process);
    }

    private static void stop(Process p) {
        List<ProcessHandle> children = p.descendants().toList();
        p.destroy();
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        children.forEach(ProcessHandle::destroyForcibly);
    }
}
