// A minimal tailcast client (docs/protocol.md) on java.net.http.WebSocket
// (Java 11+) and Gson (com.google.code.gson:gson) for JSON:
//   java -cp gson.jar Client.java ws://127.0.0.1:8080/ws
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.*;

public class Client implements WebSocket.Listener {
    final String base;
    final HttpClient http = HttpClient.newHttpClient();
    final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    final StringBuilder text = new StringBuilder(); // a message may arrive in parts
    Map<String, String> filter = Map.of("service", "api", "level", "warn"); // also for reconnects
    WebSocket ws; // null while disconnected; guarded by this, like filter
    volatile String cursor; // of the last entry processed
    volatile long backoff = 1000;

    Client(String base) { this.base = base; }

    synchronized void connect() {
        var q = new StringBuilder();
        filter.forEach((k, v) -> q.append(k).append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8)).append('&'));
        if (cursor != null) q.append("since=").append(URLEncoder.encode(cursor, StandardCharsets.UTF_8));
        var asked = filter;
        http.newWebSocketBuilder().buildAsync(URI.create(base + "?" + q), this).whenComplete((w, err) -> {
            if (err != null) { reconnect("connect: " + err.getMessage()); return; } // e.g. HTTP 400
            Map<String, String> now;
            synchronized (this) { ws = w; now = filter; }
            if (now != asked) setFilter(now); // changed while connecting
        });
    }

    synchronized void reconnect(String why) {
        ws = null;
        long wait = backoff / 2 + ThreadLocalRandom.current().nextLong(backoff / 2 + 1); // backoff with jitter
        backoff = Math.min(backoff * 2, 30000);
        System.err.println("tailcast: " + why + ", reconnecting in " + wait + " ms");
        timer.schedule(this::connect, wait, TimeUnit.MILLISECONDS);
    }

    /** Changes the filter without reconnecting. */
    void setFilter(Map<String, String> f) {
        WebSocket w;
        synchronized (this) { filter = f; w = ws; }
        if (w == null) return; // the next connect asks for it
        var m = new JsonObject();
        m.addProperty("type", "filter");
        f.forEach(m::addProperty);
        synchronized (timer) { // one send at a time
            try { w.sendText(m.toString(), true).join(); } catch (CompletionException e) { /* closed: the reconnect asks for f */ }
        }
    }

    @Override public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
        text.append(data);
        if (last) {
            for (String line : text.toString().split("\n")) if (!line.isEmpty()) handle(JsonParser.parseString(line).getAsJsonObject());
            text.setLength(0);
        }
        w.request(1);
        return null;
    }

    void handle(JsonObject m) {
        switch (m.get("type").getAsString()) {
            case "hello": backoff = 1000; System.err.println("tailcast: connected: protocol " + m.get("version") + ", " + m.get("server").getAsString()); break;
            case "entry":
                cursor = m.get("cursor").getAsString();
                System.out.printf("%s %-5s %s: %s %s%n", m.get("ts").getAsString(), m.get("level").getAsString(), m.get("service").getAsString(),
                        m.get("msg").getAsString(), m.has("fields") ? m.get("fields") : "");
                break;
            case "gap": System.err.println("tailcast: gap: " + m.get("missed") + " entries no longer held by the server"); break;
            case "dropped": System.err.println("tailcast: dropped: the server skipped " + m.get("count") + " entries (reading too slowly)"); break;
            case "error": System.err.println("tailcast: filter refused: " + m.get("error").getAsString()); break;
        }
    }

    @Override public CompletionStage<?> onClose(WebSocket w, int code, String reason) { text.setLength(0); reconnect("closed (" + code + ")"); return null; }
    @Override public void onError(WebSocket w, Throwable err) { text.setLength(0); reconnect("error: " + err); }

    public static void main(String[] args) {
        var c = new Client(args.length > 0 ? args[0] : "ws://127.0.0.1:8080/ws");
        c.connect();
        c.timer.schedule(() -> { // e.g. from a UI: narrow to errors
            System.err.println("tailcast: filter: service=api level=error");
            c.setFilter(Map.of("service", "api", "level", "error"));
        }, 10, TimeUnit.SECONDS);
    }
}
