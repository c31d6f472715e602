"""Safe static-file lookup and the response headers every page gets.

Kept apart from the HTTP handler so the two rules that matter most (no file outside
the static folder is ever served; the browser only talks to us and to Rasa) are
small enough to read and test on their own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, Optional
from urllib.parse import unquote, urlsplit

# Only these kinds of files are served; anything else is "not found".
CONTENT_TYPES: Dict[str, str] = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
}


def resolve_static(root: Path, url_path: str) -> Optional[Path]:
    """The file under ``root`` that ``url_path`` names, or None if it must not be served.

    Refuses: ``..`` and hidden segments (also when percent-encoded), backslashes,
    NUL bytes, symlinks leading outside ``root``, folders (no listings) and file
    types outside :data:`CONTENT_TYPES`.
    """
    path = unquote(urlsplit(url_path).path)
    if "\x00" in path or "\\" in path:
        return None
    segments = [s for s in path.split("/") if s]
    if any(s.startswith(".") for s in segments):
        return None
    if not segments:
        segments = ["index.html"]
    root = root.resolve()
    try:
        candidate = root.joinpath(*segments).resolve()
        if root not in candidate.parents or not candidate.is_file():
            return None
    except (OSError, ValueError):  # a name too long for the file system (found by fuzzing)
        return None
    if candidate.suffix.lower() not in CONTENT_TYPES:
        return None
    return candidate


def content_security_policy(rasa_url: str) -> str:
    """Scripts and styles only from this server; connections only to us and to Rasa."""
    scheme, _, host = rasa_url.partition("://")
    socket_origin = f"{'wss' if scheme == 'https' else 'ws'}://{host}"
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            # Bot messages may carry an image attachment hosted elsewhere over https.
            "img-src 'self' data: https:",
            f"connect-src 'self' {rasa_url} {socket_origin}",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def security_headers(rasa_url: str) -> Dict[str, str]:
    """Headers sent with every response, pages and errors alike."""
    return {
        "Content-Security-Policy": content_security_policy(rasa_url),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Cache-Control": "no-cache",
        # Everything here is public and cookie-free; this lets a clinic's own site load
        # the widget (module scripts and config.json are fetched in CORS mode).
        "Access-Control-Allow-Origin": "*",
    }


def studio_headers() -> Dict[str, str]:
    """Headers for the staff studio: nothing from elsewhere, never framed, never cached,
    and (unlike the public page) no cross-origin reads."""
    return {
        "Content-Security-Policy": "; ".join(
            [
                "default-src 'self'",
                "script-src 'self'",
                "style-src 'self'",
                "img-src 'self' data:",
                "connect-src 'self'",
                "object-src 'none'",
                "base-uri 'none'",
                "form-action 'self'",
                "frame-ancestors 'none'",
            ]
        ),
        "X-Content-Type-Options": "nosniff",
        # Same-origin, not no-referrer: over HTTPS the CSRF check also requires that
        # forms come from our own pages (Referer), and nothing leaks to other sites.
        "Referrer-Policy": "same-origin",
        "X-Frame-Options": "DENY",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Cross-Origin-Resource-Policy": "same-origin",
        "Cache-Control": "no-store",
    }
