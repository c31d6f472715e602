// The link to Rasa's socket.io channel (rasa/core/channels/socketio.py).
// Protocol: on every (re)connect emit "session_request" {session_id}; Rasa answers
// "session_confirm" <id> and, with session_persistence, puts this socket in the
// room named after the id, which is where it sends the bot's messages. Only after
// that confirmation may messages go out, as {message, session_id, metadata}. Rasa
// acknowledges a message once it has sent every reply to it.

const ACK_TIMEOUT_MS = 60000;

/**
 * What each message carries besides its text: the browser's time zone (an IANA name),
 * so that a phone number typed the local way is read in the patient's own country
 * (bot/channels/phone_region.py). Nothing else about the browser is sent.
 */
export function messageMetadata() {
  try {
    const timezone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    return typeof timezone === "string" && timezone ? { timezone } : {};
  } catch (error) {
    return {};
  }
}

/**
 * Events (EventTarget): "status" {detail: "connecting"|"online"|"offline"},
 * "ready" (session confirmed: send queued messages now), "message" {detail: bot message}.
 */
export class RasaConnection extends EventTarget {
  constructor({ io, url, path, userEvent, botEvent, sessionId }) {
    super();
    this.io = io;
    this.url = url;
    this.path = path;
    this.userEvent = userEvent;
    this.botEvent = botEvent;
    this.sessionId = sessionId || null;
    this.socket = null;
    this.status = "connecting";
  }

  get ready() {
    return this.status === "online" && Boolean(this.sessionId);
  }

  setStatus(status) {
    if (status === this.status) return;
    this.status = status;
    this.dispatchEvent(new CustomEvent("status", { detail: status }));
  }

  start() {
    if (this.socket) return;
    this.socket = this.io(this.url, {
      path: this.path,
      // WebSocket first (no CORS needed); long-polling if a proxy blocks WebSockets.
      transports: ["websocket", "polling"],
      tryAllTransports: true,
      reconnection: true,
      reconnectionDelay: 1000,
      reconnectionDelayMax: 5000,
      timeout: 10000,
    });
    this.socket.on("connect", () => {
      this.socket.emit("session_request", { session_id: this.sessionId });
    });
    this.socket.on("session_confirm", (id) => {
      const confirmed = typeof id === "string" ? id : id && id.session_id;
      if (confirmed) this.sessionId = confirmed;
      this.setStatus("online");
      this.dispatchEvent(new CustomEvent("ready", { detail: this.sessionId }));
    });
    this.socket.on(this.botEvent, (message) => {
      if (message && typeof message === "object") {
        this.dispatchEvent(new CustomEvent("message", { detail: message }));
      }
    });
    this.socket.on("connect_error", () => this.setStatus("offline"));
    this.socket.on("disconnect", (reason) => {
      this.setStatus("offline");
      // The client only retries by itself when the server did not close on purpose.
      if (reason === "io server disconnect") this.socket.connect();
    });
  }

  /**
   * Send one message now. Returns false (nothing sent) when not ready.
   * onDone(error) runs when Rasa has answered, or with an error after a timeout.
   */
  send(text, onDone) {
    if (!this.ready) return false;
    const payload = { message: text, session_id: this.sessionId, metadata: messageMetadata() };
    this.socket.timeout(ACK_TIMEOUT_MS).emit(this.userEvent, payload, (error) => onDone && onDone(error || null));
    return true;
  }

  /** Send a thumbs up or down for one answer (its text). Returns false when not ready. */
  rate(answer, value) {
    if (!this.ready) return false;
    this.socket.emit("rate_answer", { session_id: this.sessionId, answer, value });
    return true;
  }

  /**
   * Forget the session and start a new one. The socket is replaced too: the old one
   * sits in the old session's room and would still receive its late replies.
   */
  reset() {
    this.sessionId = null;
    if (this.socket) {
      this.socket.disconnect();
      this.setStatus("connecting");
      this.socket.connect();
    }
  }
}
