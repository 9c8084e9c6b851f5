// The native event stream (`GET /switchboard/v1/events`, Server-Sent Events) read with fetch,
// because EventSource cannot send the X-Auth-Token header. It reconnects after a drop (a
// restarted server, say) with `Last-Event-ID`, so the server replays what the page missed;
// an `event: gap` says history was pruned and the caller reloads.

import { token } from "./api.js";

const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 4000;
// The server sends a keep-alive comment every 15 s: silence for this long means a dead link.
const SILENCE_MS = 40000;

/**
 * Opens the stream. `handlers.onEvent(event)` per event, `onStatus(status)` with "connecting",
 * "live" or "reconnecting", `onOpen(resumed)` each time a connection is established (resumed:
 * events since the last seen one will be replayed), `onGap()` when the server lost some.
 * Returns a function that closes it.
 */
export function openEvents(handlers) {
  let lastId = null;
  let closed = false;
  let controller = null;
  let delay = RETRY_MIN_MS;

  async function connectOnce() {
    controller = new AbortController();
    const headers = { Accept: "text/event-stream", "X-Auth-Token": token() || "" };
    if (lastId !== null) headers["Last-Event-ID"] = String(lastId);
    const response = await fetch("/switchboard/v1/events", {
      headers,
      signal: controller.signal,
      credentials: "omit",
      cache: "no-store",
    });
    if (response.status === 401) {
      window.dispatchEvent(new Event("switchboard:signed-out"));
      closed = true;
      return;
    }
    if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
    delay = RETRY_MIN_MS;
    handlers.onStatus?.("live");
    handlers.onOpen?.(lastId !== null);
    await readStream(response.body);
  }

  async function readStream(body) {
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    let watchdog = setTimeout(() => controller.abort(), SILENCE_MS);
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        clearTimeout(watchdog);
        watchdog = setTimeout(() => controller.abort(), SILENCE_MS);
        buffer += value.replace(/\r\n?/g, "\n");
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          dispatch(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      }
    } finally {
      clearTimeout(watchdog);
    }
  }

  function dispatch(block) {
    let id = null;
    let type = "message";
    const data = [];
    for (const line of block.split("\n")) {
      if (!line || line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "id") id = value;
      else if (field === "event") type = value;
      else if (field === "data") data.push(value);
    }
    if (id !== null && /^\d+$/.test(id)) lastId = Number(id);
    if (type === "gap") {
      handlers.onGap?.();
      return;
    }
    if (!data.length) return;
    try {
      handlers.onEvent(JSON.parse(data.join("\n")));
    } catch (err) {
      console.error("bad event", err);
    }
  }

  (async () => {
    handlers.onStatus?.("connecting");
    while (!closed) {
      try {
        await connectOnce();
      } catch (err) {
        if (closed) return;
      }
      if (closed) return;
      handlers.onStatus?.("reconnecting");
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, RETRY_MAX_MS);
    }
  })();

  return () => {
    closed = true;
    controller?.abort();
  };
}
