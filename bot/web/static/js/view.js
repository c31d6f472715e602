// The widget's DOM: the frame (launcher, panel, form) and one element per message.
// Only builds nodes; what happens on clicks and keys is decided in widget.js.

import { el, icon, ICONS } from "./dom.js";

const RATED_NOTE = "Thanks for telling us.";
import { makeLink, renderText, telHref } from "./render.js";

const QUEUED_NOTE = "Not sent yet. It will be sent when the connection is back.";

/** The launcher button and the (hidden) chat panel, with handles to the parts that change. */
export function buildFrame(clinic, maxChars) {
  const title = el("h2", { id: "pit-chat-title", class: "pit-title" }, clinic.clinic_name);
  const statusText = el("span", { class: "pit-status-text" }, "Connecting…");
  const status = el("span", { class: "pit-status", "data-state": "connecting" }, [
    el("span", { class: "pit-status-dot", "aria-hidden": "true" }),
    statusText,
  ]);
  const restart = el("button", {
    type: "button", class: "pit-icon-button pit-restart",
    "aria-label": "Start a new conversation", title: "Start a new conversation",
  }, icon(ICONS.restart));
  const close = el("button", {
    type: "button", class: "pit-icon-button pit-close", "aria-label": "Close chat", title: "Close chat",
  }, icon(ICONS.close));

  const emergency = clinic.clinic_emergency_number;
  const notice = el("p", { class: "pit-notice" }, [
    "General information only, not medical advice. In an emergency, call ",
    makeLink(emergency, telHref(emergency), false),
    ".",
  ]);

  const alert = el("div", { class: "pit-alert", role: "alert", hidden: true }, [
    el("strong", {}, "Can't reach the assistant right now."),
    " We keep trying, and your messages are kept. If you need help now, call ",
    makeLink(clinic.clinic_phone, telHref(clinic.clinic_phone), false),
    ".",
  ]);

  const log = el("div", {
    class: "pit-log", role: "log", "aria-live": "polite", "aria-relevant": "additions",
    "aria-label": "Conversation", tabindex: "0",
  });
  const typing = el("div", { class: "pit-typing", hidden: true, "aria-hidden": "true" }, [
    el("span", { class: "pit-typing-dot" }), el("span", { class: "pit-typing-dot" }),
    el("span", { class: "pit-typing-dot" }),
    el("span", { class: "pit-visually-hidden" }, "The assistant is typing"),
  ]);

  log.append(typing);

  const input = el("textarea", {
    id: "pit-chat-input", class: "pit-input", rows: "1", autocomplete: "off",
    placeholder: "Type your question…", "aria-describedby": "pit-chat-hint pit-chat-counter",
    enterkeyhint: "send",
  });
  const send = el("button", { type: "submit", class: "pit-send", "aria-label": "Send message" }, icon(ICONS.send));
  const hint = el("p", { id: "pit-chat-hint", class: "pit-hint", "aria-live": "polite" });
  const counter = el("p", { id: "pit-chat-counter", class: "pit-counter" }, `0 / ${maxChars}`);
  const form = el("form", { class: "pit-form", novalidate: true }, [
    el("label", { for: "pit-chat-input", class: "pit-visually-hidden" }, "Your message"),
    el("div", { class: "pit-input-row" }, [input, send]),
    el("div", { class: "pit-form-meta" }, [hint, counter]),
  ]);

  const panel = el("section", {
    id: "pit-chat-panel", class: "pit-panel", role: "dialog", "aria-modal": "false",
    "aria-labelledby": "pit-chat-title", hidden: true,
  }, [
    el("header", { class: "pit-header" }, [
      el("div", { class: "pit-avatar", "aria-hidden": "true" }, icon(ICONS.chat)),
      el("div", { class: "pit-heading" }, [
        title,
        el("p", { class: "pit-subtitle" }, [el("span", {}, "Automated assistant"), status]),
      ]),
      restart,
      close,
    ]),
    notice,
    alert,
    log,
    form,
  ]);

  const launcherText = el("span", { class: "pit-launcher-text" }, "Ask a question");
  const launcher = el("button", {
    type: "button", class: "pit-launcher", "aria-expanded": "false", "aria-controls": "pit-chat-panel",
  }, [icon(ICONS.chat), launcherText]);

  const root = el("div", { class: "pit-chat" }, [panel, launcher]);
  return { root, launcher, launcherText, panel, close, restart, status, statusText, alert, log, typing, form, input, send, hint, counter };
}

function imageSource(message) {
  const src = (message.attachment && message.attachment.payload && message.attachment.payload.src) || message.image;
  return typeof src === "string" && /^https?:\/\//i.test(src) ? src : null;
}

/** Quick replies from Rasa's socket.io output ("quick_replies") or custom JSON ("buttons"). */
export function repliesOf(message) {
  const raw = Array.isArray(message.quick_replies) ? message.quick_replies
    : Array.isArray(message.buttons) ? message.buttons : [];
  return raw
    .filter((b) => b && typeof b.title === "string" && b.title.trim())
    .map((b) => ({ title: b.title, payload: typeof b.payload === "string" ? b.payload : b.title }));
}

/** The stored form of a bot message (null when there is nothing we can show). */
export function botMessage(raw, id) {
  const text = typeof raw.text === "string" ? raw.text : "";
  const replies = repliesOf(raw);
  const image = imageSource(raw);
  if (!text.trim() && !replies.length && !image) return null;
  return { id, from: "bot", text, replies, image, answered: false };
}

function repliesElement(message, onReply) {
  const group = el("div", { class: "pit-replies", role: "group", "aria-label": "Suggested replies" });
  for (const reply of message.replies) {
    if (/^https?:\/\//i.test(reply.payload)) {
      const link = makeLink(reply.title, reply.payload, true);
      link.classList.add("pit-reply");
      group.append(link);
      continue;
    }
    const button = el("button", { type: "button", class: "pit-reply", disabled: Boolean(message.answered) }, reply.title);
    button.addEventListener("click", () => onReply(message, reply));
    group.append(button);
  }
  return group;
}

/** Thumbs up and down under an answer; once one is pressed, both are done. */
function ratingElement(message, onRate) {
  const group = el("div", { class: "pit-rating", role: "group", "aria-label": "Was this answer helpful?" });
  const note = el("span", { class: "pit-rating-note", "aria-live": "polite" }, message.rating ? RATED_NOTE : "");
  for (const [value, label, paths] of [
    ["up", "This answer helped", ICONS.thumbUp],
    ["down", "This answer did not help", ICONS.thumbDown],
  ]) {
    const button = el("button", {
      type: "button", class: "pit-rate", "data-value": value, "aria-label": label, title: label,
      "aria-pressed": message.rating === value ? "true" : "false", disabled: Boolean(message.rating),
    }, icon(paths));
    button.addEventListener("click", () => onRate(message, value));
    group.append(button);
  }
  group.append(note);
  return group;
}

/** Mark an answer's rating on screen (the buttons and the thank-you). */
export function showRating(node, value) {
  node.querySelectorAll("button.pit-rate").forEach((b) => {
    b.disabled = true;
    b.setAttribute("aria-pressed", b.dataset.value === value ? "true" : "false");
  });
  const note = node.querySelector(".pit-rating-note");
  if (note) note.textContent = RATED_NOTE;
}

/** One message as the visitor sees it. */
export function messageElement(message, { phones, onReply, onRate }) {
  const who = message.from === "user" ? "You" : "Assistant";
  const item = el("div", {
    class: `pit-msg pit-msg--${message.from}`, "data-id": message.id, "data-status": message.status || null,
  });
  const bubble = el("div", { class: "pit-bubble" }, el("span", { class: "pit-visually-hidden" }, `${who}: `));
  bubble.append(renderText(message.text, { linkify: message.from === "bot", phones }));
  if (message.text.trim()) item.append(bubble);
  if (message.image) {
    item.append(el("img", { class: "pit-image", src: message.image, alt: "Image from the assistant", loading: "lazy" }));
  }
  if (message.from === "user") {
    item.append(el("p", { class: "pit-msg-status" }, message.status === "queued" ? QUEUED_NOTE : ""));
  }
  if (message.replies && message.replies.length) item.append(repliesElement(message, onReply));
  if (message.from === "bot" && message.text.trim() && onRate) item.append(ratingElement(message, onRate));
  return item;
}

/** A short note from the widget itself (not from the assistant). */
export function noteElement(text, phones) {
  return el("div", { class: "pit-note" }, renderText(text, { linkify: true, phones }));
}
