"""bot/web/security.resolve_static on names the file system itself refuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.web.security import resolve_static


@pytest.mark.parametrize(
    "url_path",
    ["/js/" + "a" * 5000, "/" + "é" * 300 + "/x.js", "/vendor/" + "b" * 256 + ".css"],
    ids=["long-segment", "long-unicode", "long-file-name"],
)
def test_a_name_too_long_for_the_file_system_is_not_found_not_a_crash(tmp_path: Path, url_path):
    """Found by the fuzz benchmark: stat() raised OSError (ENAMETOOLONG), the page said 500."""
    (tmp_path / "ok.js").write_text("1")
    assert resolve_static(tmp_path, url_path) is None
    assert resolve_static(tmp_path, "/ok.js") == (tmp_path / "ok.js").resolve()
