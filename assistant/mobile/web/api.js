// The phone's API calls. The customer token lives in this tab's sessionStorage and goes in the
// Authorization header only (never a cookie), so another site cannot make requests in the customer's name.

const KEY = "lobby-m-token";

export function token() {
  return sessionStorage.getItem(KEY);
}

export function keep(value) {
  if (value) sessionStorage.setItem(KEY, value);
  else sessionStorage.removeItem(KEY);
}

export class ApiError extends Error {
  constructor(status, body) {
    super(`HTTP ${status}`);
    this.status = status;
    this.body = body || {};
    const detail = this.body.detail;
    this.code = (detail && detail.code) || this.body.code || (status === 401 ? "session" : "other");
    this.retryAfter = (detail && detail.retry_after) || null;
  }
}

export async function call(method, path, body) {
  const headers = { Accept: "application/json" };
  const bearer = token();
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(`/api/v1/mobile${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "omit",
    cache: "no-store",
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

/** Read the server-sent status stream with fetch (the token stays in a header); reconnects until stopped. */
export function follow(onStatus, onState) {
  let stopped = false;
  let controller = null;
  async function run() {
    while (!stopped) {
      controller = new AbortController();
      try {
        const response = await fetch("/api/v1/mobile/stream", {
          headers: { Authorization: `Bearer ${token()}`, Accept: "text/event-stream" },
          credentials: "omit",
          signal: controller.signal,
        });
        if (response.status === 401) {
          onState("expired");
          return;
        }
        if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
        onState("live");
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            const chunk = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const data = chunk.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
            if (data) onStatus(JSON.parse(data));
          }
        }
      } catch (err) {
        if (stopped) return;
      }
      onState("offline");
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
  run();
  return () => {
    stopped = true;
    if (controller) controller.abort();
  };
}
