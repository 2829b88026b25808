// The kiosk's one session WebSocket (contracts.md: /api/v1/kiosk/ws?token=...). Reconnects on its own
// with a growing delay; the page resumes the same session by sending `hello {session_id}` on every open.
// Messages that must not be lost (what the customer typed or tapped) wait in a small queue while the
// socket is down; camera frames and audio are dropped instead (they are only useful live).

const MAX_QUEUE = 20;
const DELAYS_MS = [300, 1000, 2000, 4000, 8000];

export class KioskSocket {
  /** @param {string} url @param {{onOpen: () => void, onMessage: (msg: object) => void, onClose: () => void}} handlers */
  constructor(url, { onOpen, onMessage, onClose }) {
    this.url = url;
    this.handlers = { onOpen, onMessage, onClose };
    this.ws = null;
    this.attempt = 0;
    this.queue = [];
    this.opens = 0;
    this.timer = null;
  }

  get open() {
    return Boolean(this.ws && this.ws.readyState === WebSocket.OPEN);
  }

  connect() {
    clearTimeout(this.timer);
    const ws = new WebSocket(this.url);
    ws.binaryType = "arraybuffer";
    ws.onopen = () => {
      this.attempt = 0;
      this.opens += 1;
      this.handlers.onOpen();
    };
    ws.onmessage = (event) => {
      if (typeof event.data !== "string") return;
      let msg;
      try {
        msg = JSON.parse(event.data);
      } catch {
        console.warn("ignored a server message that is not JSON");
        return;
      }
      if (msg && typeof msg.type === "string") this.handlers.onMessage(msg);
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.handlers.onClose();
      const delay = DELAYS_MS[Math.min(this.attempt, DELAYS_MS.length - 1)];
      this.attempt += 1;
      this.timer = setTimeout(() => this.connect(), delay);
    };
    this.ws = ws;
  }

  /** Send a JSON message; with `keep` it waits in the queue while the socket is down. */
  send(msg, keep = false) {
    if (this.open) {
      this.ws.send(JSON.stringify(msg));
      return true;
    }
    if (keep) {
      this.queue.push(msg);
      if (this.queue.length > MAX_QUEUE) this.queue.shift();
    }
    return false;
  }

  sendBinary(buffer) {
    if (!this.open) return false;
    this.ws.send(buffer);
    return true;
  }

  /** Send what waited while the socket was down (called once the session is re-established). */
  flush() {
    const waiting = this.queue.splice(0);
    for (const msg of waiting) this.send(msg, true);
  }
}
