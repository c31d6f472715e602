// The conversation kept in the browser so that a page reload loses nothing.
// localStorage holds the Rasa session id and the visible history (Rasa keeps the
// real conversation under the same id); sessionStorage holds what belongs to this
// tab only: whether the panel was open and any unsent draft.
// A conversation untouched for a day is forgotten, so a shared computer does not
// show the last visitor's health questions to the next one.

const KEY = "pit-chat:conversation:v1";
const TAB_KEY = "pit-chat:tab:v1";
const MAX_MESSAGES = 200;
export const FORGET_AFTER_MS = 24 * 60 * 60 * 1000;

function storage(kind) {
  try {
    const store = window[kind];
    const probe = "pit-chat:probe";
    store.setItem(probe, "1");
    store.removeItem(probe);
    return store;
  } catch {
    return null; // storage disabled (private mode, blocked cookies): memory only
  }
}

function read(store, key) {
  if (!store) return null;
  try {
    return JSON.parse(store.getItem(key) || "null");
  } catch {
    return null;
  }
}

function write(store, key, value) {
  if (!store) return;
  try {
    store.setItem(key, JSON.stringify(value));
  } catch {
    // Quota full: keep going in memory rather than breaking the chat.
  }
}

export function newConversation() {
  return { sessionId: null, messages: [], started: false, updatedAt: Date.now() };
}

export class ConversationStore {
  constructor() {
    this.local = storage("localStorage");
    this.session = storage("sessionStorage");
  }

  /** The saved conversation, or a new one if none, unreadable or too old. */
  load(now = Date.now()) {
    const saved = read(this.local, KEY);
    if (!saved || !Array.isArray(saved.messages) || now - (saved.updatedAt || 0) > FORGET_AFTER_MS) {
      return newConversation();
    }
    return { ...newConversation(), ...saved };
  }

  save(conversation) {
    conversation.updatedAt = Date.now();
    conversation.messages = conversation.messages.slice(-MAX_MESSAGES);
    write(this.local, KEY, conversation);
  }

  clear() {
    if (this.local) this.local.removeItem(KEY);
  }

  loadTab() {
    return { open: false, draft: "", ...(read(this.session, TAB_KEY) || {}) };
  }

  saveTab(tab) {
    write(this.session, TAB_KEY, tab);
  }
}
