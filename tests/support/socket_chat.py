"""Chat with the Rasa server's socket.io channel the way the website widget does."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any, Dict, List

import socketio

from bot.stack import Stack


async def socket_chat(stack: Stack, events: List[Any]) -> List[Dict[str, Any]]:
    """Connect like the widget, send ``events`` (raw payloads), collect the bot's answers."""
    received: List[Dict[str, Any]] = []
    client = socketio.AsyncClient(reconnection=False)
    client.on("bot_uttered", lambda data: received.append(data))
    session = uuid.uuid4().hex
    confirmed = asyncio.Event()
    client.on("session_confirm", lambda _data: confirmed.set())
    await client.connect(stack.rasa_url, socketio_path="/socket.io", transports=["polling"])
    try:
        await client.emit("session_request", {"session_id": session})
        await asyncio.wait_for(confirmed.wait(), 30)
        for event in events:
            payload = event if not isinstance(event, str) else {"message": event}
            if isinstance(payload, dict):
                payload = {"session_id": session, **payload}
            before = len(received)
            await client.emit("user_uttered", payload)
            if isinstance(event, str):  # a real message: wait for its answer
                for _ in range(600):
                    if len(received) > before:
                        break
                    await asyncio.sleep(0.1)
        await asyncio.sleep(1)
    finally:
        await client.disconnect()
    return received
