"""The chat widget as a test sees it: open it, type, read the messages."""

from __future__ import annotations

from typing import List

from playwright.sync_api import Locator, Page, expect


class WidgetPage:
    def __init__(self, page: Page) -> None:
        self.page = page
        self.errors: List[str] = []
        self.dialogs: List[str] = []
        self.confirms_to_accept = 0
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("dialog", self._on_dialog)

    def _on_dialog(self, dialog) -> None:  # type: ignore[no-untyped-def]
        if dialog.type == "confirm" and self.confirms_to_accept:
            self.confirms_to_accept -= 1
            dialog.accept()
            return
        self.dialogs.append(
            f"{dialog.type}: {dialog.message}"
        )  # e.g. an alert() from injected text
        dialog.dismiss()

    # --- parts ----------------------------------------------------------------------
    @property
    def launcher(self) -> Locator:
        return self.page.locator(".pit-launcher")

    @property
    def panel(self) -> Locator:
        return self.page.locator("#pit-chat-panel")

    @property
    def input(self) -> Locator:
        return self.page.locator("#pit-chat-input")

    @property
    def hint(self) -> Locator:
        return self.page.locator("#pit-chat-hint")

    @property
    def counter(self) -> Locator:
        return self.page.locator("#pit-chat-counter")

    @property
    def alert(self) -> Locator:
        return self.page.locator(".pit-alert")

    @property
    def status(self) -> Locator:
        return self.page.locator(".pit-status")

    @property
    def messages(self) -> Locator:
        return self.page.locator(".pit-log .pit-msg")

    @property
    def user_messages(self) -> Locator:
        return self.page.locator(".pit-log .pit-msg--user")

    @property
    def bot_messages(self) -> Locator:
        return self.page.locator(".pit-log .pit-msg--bot")

    # --- actions --------------------------------------------------------------------
    def goto(self, url: str) -> "WidgetPage":
        self.page.goto(url)
        expect(self.launcher).to_be_visible()
        return self

    def open(self) -> None:
        self.launcher.click()
        expect(self.panel).to_be_visible()

    def type_and_enter(self, text: str) -> None:
        self.input.fill(text)
        self.input.press("Enter")

    def wait_online(self) -> None:
        expect(self.status).to_have_attribute("data-state", "online", timeout=30_000)

    def wait_idle(self) -> None:
        """Rasa has acknowledged the last message: every reply to it has arrived."""
        expect(self.page.locator(".pit-typing")).to_be_hidden(timeout=60_000)

    def bot_count(self) -> int:
        return self.bot_messages.count()

    def bot_texts_after(self, index: int) -> str:
        return "\n".join(self.bot_messages.all_inner_texts()[index:])

    def texts(self) -> List[str]:
        """Each message's own text (paragraphs joined by blank lines), without the
        screen-reader prefix ("You: ", "Assistant: ")."""
        return self.page.eval_on_selector_all(
            ".pit-log .pit-msg",
            "nodes => nodes.map(n => [...n.querySelectorAll('.pit-bubble p')]"
            ".map(p => p.innerText).join('\\n\\n'))",
        )

    def assert_clean(self) -> None:
        """No script ran from message text and nothing crashed."""
        assert self.dialogs == [], self.dialogs
        assert self.errors == [], self.errors
        assert self.page.evaluate("window.__xss") is None
