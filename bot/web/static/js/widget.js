// The chat widget: keeps the conversation, sends what the visitor types, shows
// what Rasa answers, and never drops a message when the connection is down
// (it waits, marked "not sent yet", and goes out once Rasa is back).

import { RasaConnection } from "./connection.js";
import { checkMessage, cleanMessage, countChars, formatCount } from "./input.js";
import { ConversationStore, newConversation } from "./store.js";
import { botMessage, buildFrame, messageElement, noteElement, showRating } from "./view.js";

const ALERT_DELAY_MS = 2500; // a blip shorter than this is not worth an alarm
const MAX_INPUT_HEIGHT_PX = 160;

function messageId() {
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

export class ChatWidget {
  constructor(config, { io, store = new ConversationStore() }) {
    this.config = config;
    this.clinic = config.clinic;
    this.maxChars = Number(config.max_message_chars) || 1000;
    this.phones = [this.clinic.clinic_phone, this.clinic.clinic_emergency_number];
    this.store = store;
    this.conversation = store.load();
    this.tab = store.loadTab();
    this.inFlight = null;
    this.replyStart = null; // first message of the reply being shown, for scrolling
    this.generation = 0;
    this.alertTimer = null;
    this.ui = buildFrame(this.clinic, formatCount(this.maxChars));
    this.connection = new RasaConnection({
      io,
      url: config.rasa_url,
      path: config.socket_path,
      userEvent: config.user_message_event,
      botEvent: config.bot_message_event,
      sessionId: this.conversation.sessionId,
    });
  }

  mount(parent = document.body) {
    parent.append(this.ui.root);
    this.bindEvents();
    for (const message of this.conversation.messages) this.appendMessage(message);
    this.replyStart = null;
    this.scrollToEnd();
    this.ui.input.value = this.tab.draft || "";
    this.onInput();
    if (this.tab.open) this.open({ focus: false });
    // Messages left waiting on an earlier visit go out even if the panel stays closed.
    else if (this.conversation.messages.some((m) => m.status === "queued")) this.connection.start();
    return this;
  }

  // --- panel -----------------------------------------------------------------------
  get isOpen() {
    return !this.ui.panel.hidden;
  }

  open({ focus = true } = {}) {
    this.ui.panel.hidden = false;
    this.ui.root.classList.add("pit-chat--open");
    this.ui.launcher.setAttribute("aria-expanded", "true");
    this.ui.launcherText.textContent = "Close chat";
    this.saveTab({ open: true });
    this.connection.start();
    this.flush();
    this.scrollToEnd();
    if (focus) this.ui.input.focus();
  }

  close() {
    this.ui.panel.hidden = true;
    this.ui.root.classList.remove("pit-chat--open");
    this.ui.launcher.setAttribute("aria-expanded", "false");
    this.ui.launcherText.textContent = "Ask a question";
    this.saveTab({ open: false });
    this.ui.launcher.focus();
  }

  saveTab(changes) {
    this.tab = { ...this.tab, ...changes };
    this.store.saveTab(this.tab);
  }

  bindEvents() {
    const { launcher, close, restart, form, input, panel } = this.ui;
    launcher.addEventListener("click", () => (this.isOpen ? this.close() : this.open()));
    close.addEventListener("click", () => this.close());
    restart.addEventListener("click", () => this.restart());
    panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        this.close();
      }
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submitTyped();
    });
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.submitTyped();
      }
    });
    input.addEventListener("input", () => this.onInput());
    const c = this.connection;
    c.addEventListener("status", (event) => this.showStatus(event.detail));
    c.addEventListener("ready", (event) => this.onReady(event.detail));
    c.addEventListener("message", (event) => this.onBotMessage(event.detail));
  }

  // --- typing ----------------------------------------------------------------------
  onInput() {
    const { input, counter } = this.ui;
    const length = countChars(cleanMessage(input.value)); // what would be sent, as the server counts it
    counter.textContent = `${formatCount(length)} / ${formatCount(this.maxChars)}`;
    counter.classList.toggle("pit-counter--over", length > this.maxChars);
    counter.classList.toggle("pit-counter--near", length <= this.maxChars && length > this.maxChars * 0.9);
    input.setAttribute("aria-invalid", length > this.maxChars ? "true" : "false");
    if (length > this.maxChars) {
      this.showHint(checkMessage(input.value, this.maxChars).note);
    } else if (this.ui.hint.dataset.kind) {
      this.showHint("");
    }
    input.style.height = "auto";
    input.style.height = `${Math.min(input.scrollHeight, MAX_INPUT_HEIGHT_PX)}px`;
    this.saveTab({ draft: input.value });
  }

  showHint(text) {
    this.ui.hint.textContent = text;
    if (text) this.ui.hint.dataset.kind = "error";
    else delete this.ui.hint.dataset.kind;
  }

  submitTyped() {
    const check = checkMessage(this.ui.input.value, this.maxChars);
    if (!check.ok) {
      this.showHint(check.note);
      this.ui.input.focus();
      return;
    }
    this.ui.input.value = "";
    this.onInput();
    this.sendMessage({ text: check.text });
    this.ui.input.focus();
  }

  onReply(message, reply) {
    this.sendMessage({ text: reply.title, payload: reply.payload });
    this.ui.input.focus();
  }

  /** A thumbs up or down: shown at once, sent now or as soon as Rasa is back. */
  onRate(message, value) {
    if (message.rating) return;
    message.rating = value;
    message.ratingSent = false;
    const node = this.ui.log.querySelector(`[data-id="${CSS.escape(message.id)}"]`);
    if (node) showRating(node, value);
    this.sendRatings();
    this.save();
  }

  sendRatings() {
    for (const message of this.conversation.messages) {
      if (message.rating && !message.ratingSent && this.connection.rate(message.text, message.rating)) {
        message.ratingSent = true;
      }
    }
  }

  // --- conversation ----------------------------------------------------------------
  sendMessage({ text, payload }) {
    this.retireReplies();
    const message = { id: messageId(), from: "user", text, payload: payload || null, status: "queued" };
    this.conversation.messages.push(message);
    this.save();
    this.appendMessage(message);
    this.flush();
  }

  /** Once the visitor says anything, earlier suggested replies no longer apply. */
  retireReplies() {
    for (const message of this.conversation.messages) {
      if (message.from === "bot" && message.replies && message.replies.length && !message.answered) {
        message.answered = true;
        const node = this.ui.log.querySelector(`[data-id="${CSS.escape(message.id)}"]`);
        if (node) node.querySelectorAll("button.pit-reply").forEach((b) => (b.disabled = true));
      }
    }
  }

  /** Send the next waiting message (one at a time, in order) if Rasa is ready. */
  flush() {
    if (!this.connection.ready || this.inFlight) return;
    if (this.conversation.messages.some((m) => m.rating && !m.ratingSent)) {
      this.sendRatings();
      this.save();
    }
    if (!this.conversation.started && this.isOpen) {
      this.conversation.started = true;
      this.save();
      this.dispatch({ id: "init", payload: this.config.init_payload });
      return;
    }
    const next = this.conversation.messages.find((m) => m.from === "user" && m.status === "queued");
    if (next) this.dispatch(next);
  }

  dispatch(message) {
    const text = message.payload || message.text;
    const generation = this.generation;
    this.inFlight = message.id;
    const sent = this.connection.send(text, (error) => {
      if (generation !== this.generation) return; // answer to a conversation since cleared
      this.inFlight = null;
      this.setTyping(false);
      if (error) this.onNoAnswer();
      this.flush();
    });
    if (!sent) {
      this.inFlight = null;
      return;
    }
    if (message.from === "user") this.setStatus(message, "sent");
    this.setTyping(true);
  }

  setStatus(message, status) {
    message.status = status;
    this.save();
    const node = this.ui.log.querySelector(`[data-id="${CSS.escape(message.id)}"]`);
    if (!node) return;
    node.dataset.status = status;
    const note = node.querySelector(".pit-msg-status");
    if (note) note.textContent = "";
  }

  onNoAnswer() {
    const text = this.connection.ready
      ? `The assistant is taking too long to answer. Please try again in a moment, or call ${this.clinic.clinic_phone}.`
      : "The connection dropped while the assistant was answering. If no answer appears, please send your question again.";
    this.ui.log.insertBefore(noteElement(text, this.phones), this.ui.typing);
    this.scrollToEnd();
  }

  onBotMessage(raw) {
    const message = botMessage(raw, messageId());
    if (!message) return;
    // Rasa has not seen messages still waiting to be sent, so a reply goes above them;
    // and the visitor has already moved on, so its suggested replies are spent.
    const messages = this.conversation.messages;
    const waiting = messages.findIndex((m) => m.from === "user" && m.status === "queued");
    if (waiting === -1) {
      messages.push(message);
    } else {
      message.answered = true;
      messages.splice(waiting, 0, message);
    }
    this.save();
    this.appendMessage(message, waiting === -1 ? null : messages[waiting + 1]);
  }

  onReady(sessionId) {
    if (sessionId && sessionId !== this.conversation.sessionId) {
      this.conversation.sessionId = sessionId;
      this.save();
    }
    this.flush();
  }

  restart() {
    if (!window.confirm("Start a new conversation? The messages shown here will be cleared.")) return;
    this.store.clear();
    this.generation += 1;
    this.conversation = newConversation();
    this.inFlight = null;
    this.setTyping(false);
    this.ui.log.replaceChildren(this.ui.typing);
    this.replyStart = null;
    this.connection.reset();
    this.flush();
    this.ui.input.focus();
  }

  save() {
    this.conversation.sessionId = this.connection.sessionId || this.conversation.sessionId;
    this.store.save(this.conversation);
  }

  // --- display ---------------------------------------------------------------------
  /** Show a message at the end of the log, or above ``before`` (a stored message). */
  appendMessage(message, before = null) {
    const node = messageElement(message, {
      phones: this.phones,
      onReply: (m, reply) => this.onReply(m, reply),
      onRate: (m, value) => this.onRate(m, value),
    });
    const anchor = before && this.ui.log.querySelector(`[data-id="${CSS.escape(before.id)}"]`);
    this.ui.log.insertBefore(node, anchor || this.ui.typing);
    // One pair of thumbs per answer: Rasa sends an answer's paragraphs one by one, so the
    // thumbs stay only under the last of them (unless an earlier one was already rated).
    const previous = node.previousElementSibling;
    if (message.from === "bot" && previous && previous.classList.contains("pit-msg--bot")) {
      const earlier = previous.querySelector(".pit-rating");
      if (earlier && !earlier.querySelector('[aria-pressed="true"]')) earlier.remove();
    }
    if (message.from === "bot" && !before) {
      this.replyStart = this.replyStart || node;
      this.revealReply();
    } else {
      this.replyStart = null;
      this.scrollToEnd();
    }
  }

  /** Scroll to the newest reply, but never past its first line: long answers are read from the top. */
  revealReply() {
    const { log } = this.ui;
    const bottom = log.scrollHeight - log.clientHeight;
    log.scrollTop = Math.min(bottom, this.replyStart.offsetTop - 12);
  }

  setTyping(on) {
    this.ui.typing.hidden = !on;
    if (on && !this.replyStart) this.scrollToEnd();
  }

  scrollToEnd() {
    const { log } = this.ui;
    log.scrollTop = log.scrollHeight;
  }

  showStatus(state) {
    const labels = { connecting: "Connecting…", online: "Online", offline: "Reconnecting…" };
    this.ui.status.dataset.state = state;
    this.ui.statusText.textContent = labels[state] || state;
    clearTimeout(this.alertTimer);
    if (state === "online") {
      this.ui.alert.hidden = true;
    } else if (state === "offline") {
      this.alertTimer = setTimeout(() => {
        if (this.connection.status !== "online") this.ui.alert.hidden = false;
      }, ALERT_DELAY_MS);
    }
  }
}
