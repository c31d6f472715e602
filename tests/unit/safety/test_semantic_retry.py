"""The semantic red-flag net comes back after a failed load instead of staying off."""

from __future__ import annotations

from bot.safety import semantic


def test_a_failed_load_is_tried_again_after_a_while(monkeypatch):
    monkeypatch.setattr(semantic, "_net", None)
    monkeypatch.setattr(semantic, "_failed_at", None)
    real = semantic.load_exemplars

    def being_rebuilt():
        raise OSError("the exemplars file is being rebuilt")

    monkeypatch.setattr(semantic, "load_exemplars", being_rebuilt)
    assert semantic.semantic_net() is None
    monkeypatch.setattr(semantic, "load_exemplars", real)
    assert semantic.semantic_net() is None  # not retried on every message
    monkeypatch.setattr(semantic, "RETRY_SECONDS", 0.0)
    net = semantic.semantic_net()
    assert net is not None and semantic.semantic_net() is net
