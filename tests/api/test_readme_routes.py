"""Every route of the API is in the README's table (``## API``), written whole (``/firms/{firm_id}``) or by its
tail after one of its segments (``.../digest/preview``): a walk through the README found nine routes that existed
and were not listed (suggested codes and keywords, subscriptions, feed runs, ...), and two written with another
parameter name (``/partners/{name}/firms`` for ``{partner}``)."""

from __future__ import annotations

from pathlib import Path

from api.main import routed_app

README = Path(__file__).resolve().parents[2] / "README.md"


def written(path: str, readme: str) -> bool:
    parts = path.split("/")
    return path in readme or any(".../" + "/".join(parts[i:]) in readme for i in range(2, len(parts)))


def test_every_route_of_the_openapi_document_is_in_the_readme() -> None:
    paths = routed_app().openapi()["paths"]
    readme = README.read_text()
    assert len(paths) > 30  # the document is read, not an empty one
    missing = sorted(path for path in paths if not written(path, readme))
    assert not missing, f"routes missing from README.md: {missing}"
