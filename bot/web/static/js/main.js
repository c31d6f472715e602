// Start the chat widget: load /config.json (clinic details and where Rasa is) from
// the server that served this script, then mount the widget on the page.
// To embed the widget on another site, include vendor/socket.io.min.js, this module
// and css/widget.css from that server.

import { el } from "./dom.js";
import { ChatWidget } from "./widget.js";

const CONFIG_URL = new URL("../config.json", import.meta.url);

function showUnavailable() {
  const note = el("p", { class: "pit-unavailable", role: "status" },
    "The chat assistant could not load. Please phone the clinic instead.");
  document.body.append(note);
}

async function start() {
  try {
    if (typeof window.io !== "function") throw new Error("socket.io client did not load");
    const response = await fetch(CONFIG_URL, { cache: "no-cache" });
    if (!response.ok) throw new Error(`config.json: HTTP ${response.status}`);
    const config = await response.json();
    window.pitChat = new ChatWidget(config, { io: window.io }).mount();
  } catch (error) {
    console.error("Chat widget:", error);
    showUnavailable();
  }
}

start();
