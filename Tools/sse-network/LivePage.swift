import Foundation
import SSEToolSupport
import SSETransport

/// The page `sse serve` answers `GET /` with: it opens an `EventSource` on the channel and
/// shows every event as it arrives, with the connection's state.
///
/// The DOM is also what tests read: `body[data-state]` is `connecting`, `open`, `reconnecting`
/// or `closed`, `body[data-opens]` counts successful connections, and each event is an
/// `li.event` (in arrival order) with `data-id`, `data-type` and `data-raw` (the data).
enum LivePage {
    /// The page for a channel.
    ///
    /// - Parameters:
    ///   - channel: The channel, streamed at `/CHANNEL`.
    ///   - eventTypes: Named event types to listen for besides `message` (a browser's
    ///     `EventSource` only reports the types it listens for).
    /// - Returns: The response.
    static func response(channel: String, eventTypes: [String]) -> HTTPServerResponse {
        let settings = #"{"url":\#(jsonString("/" + channel)),"types":[\#(eventTypes.map(jsonString).joined(separator: ","))]}"#
        let page = html
            .replacingOccurrences(of: "CHANNEL_NAME", with: escapeHTML(channel))
            .replacingOccurrences(of: "PAGE_SETTINGS", with: settings)
        return HTTPServerResponse(
            status: 200,
            headers: ["Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-cache"],
            body: Array(page.utf8)
        )
    }

    /// `text` as a JSON string literal that is also safe inside a `<script>` element.
    private static func jsonString(_ text: String) -> String {
        var buffer = OutputBuffer()
        EventJSON.appendString(text, to: &buffer)
        return String(decoding: buffer.bytes, as: UTF8.self).replacingOccurrences(of: "<", with: "\\u003c")
    }

    private static func escapeHTML(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    private static let html = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>CHANNEL_NAME · sse serve</title>
        <style>
          :root { --bg: #0f172a; --panel: #111c33; --card: #16223d; --line: #24324f; --text: #e2e8f0;
                  --dim: #8b9bb8; --accent: #38bdf8; --ok: #34d399; --warn: #fbbf24; --bad: #f87171; }
          * { box-sizing: border-box; }
          body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
                 background: radial-gradient(1200px 600px at 10% -10%, #1e3a8a55, transparent), var(--bg);
                 color: var(--text); min-height: 100vh; }
          header { display: flex; align-items: center; gap: 16px; flex-wrap: wrap; padding: 22px 32px;
                   border-bottom: 1px solid var(--line); background: #0b1224cc; position: sticky; top: 0;
                   backdrop-filter: blur(6px); }
          h1 { margin: 0; font-size: 20px; font-weight: 650; letter-spacing: .2px; }
          h1 .channel { color: var(--accent); font-family: ui-monospace, "SF Mono", Menlo, monospace; }
          .pill { display: inline-flex; align-items: center; gap: 8px; padding: 4px 12px; border-radius: 999px;
                  background: var(--panel); border: 1px solid var(--line); font-size: 13px; color: var(--dim); }
          .dot { width: 9px; height: 9px; border-radius: 50%; background: var(--dim); }
          body[data-state="open"] #state .dot { background: var(--ok); box-shadow: 0 0 0 4px #34d39933; }
          body[data-state="open"] #state { color: var(--ok); }
          body[data-state="connecting"] #state .dot, body[data-state="reconnecting"] #state .dot { background: var(--warn); animation: pulse 1s infinite; }
          body[data-state="reconnecting"] #state, body[data-state="connecting"] #state { color: var(--warn); }
          body[data-state="closed"] #state .dot { background: var(--bad); }
          body[data-state="closed"] #state { color: var(--bad); }
          @keyframes pulse { 50% { opacity: .35; } }
          .stats { margin-left: auto; display: flex; gap: 10px; }
          .stats b { color: var(--text); font-weight: 600; }
          main { max-width: 880px; margin: 0 auto; padding: 24px 32px 48px; }
          #events { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column-reverse; gap: 10px; }
          .event { background: var(--card); border: 1px solid var(--line); border-radius: 12px; padding: 12px 16px;
                   animation: arrive .35s ease-out; }
          @keyframes arrive { from { transform: translateY(-6px); opacity: 0; } }
          .meta { display: flex; align-items: center; gap: 10px; font-size: 13px; color: var(--dim); }
          .type { color: #0b1224; background: var(--accent); border-radius: 6px; padding: 1px 8px; font-weight: 600; }
          .type.message { background: #a5b4fc; }
          .id { font-family: ui-monospace, "SF Mono", Menlo, monospace; }
          .time { margin-left: auto; }
          .data { margin: 8px 0 0; white-space: pre-wrap; word-break: break-word;
                  font: 13.5px/1.5 ui-monospace, "SF Mono", Menlo, monospace; color: #f1f5f9; }
          .empty { text-align: center; color: var(--dim); padding: 56px 0; }
          .empty code { color: var(--accent); }
          footer { text-align: center; color: var(--dim); font-size: 12px; padding-bottom: 24px; }
        </style>
        </head>
        <body data-state="connecting" data-opens="0">
        <header>
          <h1>Live events on <span class="channel">/CHANNEL_NAME</span></h1>
          <span class="pill" id="state"><span class="dot"></span><span id="state-text">connecting</span></span>
          <span class="stats">
            <span class="pill">events <b id="count">0</b></span>
            <span class="pill">reconnects <b id="reconnects">0</b></span>
            <span class="pill">last id <b id="last-id">–</b></span>
          </span>
        </header>
        <main>
          <p class="empty" id="empty">Waiting for events… pipe some in: <code>echo '{"data":"hello"}' | sse serve</code></p>
          <ol id="events"></ol>
        </main>
        <footer>sse serve · Server-Sent Events, resumed with Last-Event-ID after every reconnection</footer>
        <script>
        const settings = PAGE_SETTINGS;
        const list = document.getElementById("events");
        let opens = 0, count = 0;

        function setState(state) {
          document.body.dataset.state = state;
          document.getElementById("state-text").textContent = state === "open" ? "live" : state;
        }

        function pretty(data) {
          try { const value = JSON.parse(data); if (typeof value === "object" && value !== null) return JSON.stringify(value, null, 2); } catch {}
          return data;
        }

        function show(event) {
          const item = document.createElement("li");
          item.className = "event";
          item.dataset.id = event.lastEventId;
          item.dataset.type = event.type;
          item.dataset.raw = event.data;
          const meta = document.createElement("div");
          meta.className = "meta";
          const type = document.createElement("span");
          type.className = "type " + event.type;
          type.textContent = event.type;
          const id = document.createElement("span");
          id.className = "id";
          id.textContent = event.lastEventId ? "#" + event.lastEventId : "";
          const time = document.createElement("span");
          time.className = "time";
          time.textContent = new Date().toLocaleTimeString();
          meta.append(type, id, time);
          const data = document.createElement("pre");
          data.className = "data";
          data.textContent = pretty(event.data);
          item.append(meta, data);
          list.append(item);
          document.getElementById("empty").hidden = true;
          document.getElementById("count").textContent = ++count;
          if (event.lastEventId) document.getElementById("last-id").textContent = event.lastEventId;
        }

        const source = new EventSource(settings.url);
        source.onopen = () => {
          opens += 1;
          document.body.dataset.opens = opens;
          document.getElementById("reconnects").textContent = Math.max(0, opens - 1);
          setState("open");
        };
        source.onerror = () => setState(source.readyState === EventSource.CLOSED ? "closed" : "reconnecting");
        for (const type of ["message", ...settings.types]) source.addEventListener(type, show);
        </script>
        </body>
        </html>
        """#
}
