"""Email digests: build (pure) -> render (Jinja2) -> send (SMTP or outbox), orchestrated by ``run``."""

from __future__ import annotations
