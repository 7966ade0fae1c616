"""``matcher serve``: the HTTP API and the web workspace under uvicorn, optionally on the bundled demo with one
key per role."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from matcher.cli.common import HomeOption, open_matcher, print_ingest
from matcher.config import get_settings
from matcher.errors import InvalidInput

if TYPE_CHECKING:
    from matcher.pipeline import Matcher

#: Demo keys are recreated on every ``serve --demo`` (the old ones are revoked), one per role.
DEMO_NAMES = {"officer": "demo-officer", "partner": "demo-partner", "firm": "demo-firm"}


def demo_keys(matcher: Matcher) -> dict[str, str]:
    """Fresh demo keys: an officer, a partner assigned the first two demo firms, and the first firm."""
    from matcher.demo import demo_firms

    access = matcher.access
    known = {k.name for k in access.list_keys()}
    for name in DEMO_NAMES.values():
        if name in known:
            access.revoke(name)
    firms = [f.firm_id for f in demo_firms(matcher)]
    keys = {
        "officer": access.create_key("officer", DEMO_NAMES["officer"]).token,
        "partner": access.create_key("partner", DEMO_NAMES["partner"]).token,
        "firm": access.create_key("firm", DEMO_NAMES["firm"], firms[0]).token,
    }
    for firm_id in firms[:2]:
        access.assign(DEMO_NAMES["partner"], firm_id, actor="demo")
    return keys


def _prepare_demo(home: Path | None) -> dict[str, str]:
    from matcher.demo import demo_data, demo_firms, load_demo

    data = demo_data()
    # Worker processes build their own settings from the environment, so the demo clock goes there.
    os.environ["MATCHER_CLOCK"] = data.as_of.isoformat()
    matcher = open_matcher(home, clock=data.as_of)
    typer.echo(data.description)
    tenders, firms = load_demo(matcher, progress=True)
    print_ingest(tenders, "demo tenders")
    print_ingest(firms, "demo firms")
    # The demo's firms have no codes: their first recommendation suggests codes from the code lists' labels.
    # Embedding those labels (matcher/search/code_labels.py: ~10 s on a fresh home) happens here, into the
    # home's embedding cache, instead of in a new user's first request; the workers read them back.
    for firm in demo_firms(matcher):
        matcher.suggest_codes(firm)
    keys = demo_keys(matcher)
    matcher.close()
    return keys


def serve(
    host: Annotated[str, typer.Option("--host", help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option("--workers", min=1, max=64, help="uvicorn worker processes")] = 1,
    demo: Annotated[bool, typer.Option("--demo", help="load the bundled demo first and print demo keys")] = False,
    home: HomeOption = None,
) -> None:
    """Serve the HTTP API and the web workspace over the store MATCHER_HOME points at (pages at /web/, docs at
    /docs)."""
    from api.server.workers import PortInUse
    from matcher.demo import demo_firms
    from matcher.digest.tokens import secret_key

    if home is not None:
        os.environ["MATCHER_HOME"] = str(home.resolve())
    # The unsubscribe links' key, read now: a bad key file is this line and exit 2, not a 503 at the first click.
    secret_key(get_settings(**({"home": home} if home else {})))
    can_listen(host, port)
    keys = _prepare_demo(home) if demo else {}
    base = f"http://{host}:{port}"
    how = "sign in with a demo key below" if keys else "sign in with a key from 'matcher keys create'"
    typer.echo(f"\nWorkspace: {base}/web/   ({how})")
    typer.echo(f"API docs: {base}/docs   (OpenAPI: {base}/openapi.json)")
    for role, key in keys.items():
        typer.echo(f"demo {role:<8} key: {key}")
    if keys:
        first = demo_firms(open_matcher(home))[0].firm_id
        typer.echo(f'try: curl -H "Authorization: Bearer {keys["firm"]}" {base}/firms/{first}/recommendations?k=3')
    try:
        run_server(host, port, workers)  # uvicorn's options, loop and protocol live in api.server.run
    except PortInUse as exc:  # taken since can_listen: several workers check again
        raise InvalidInput(str(exc)) from exc


def can_listen(host: str, port: int) -> None:
    """An address the server can listen on, checked before the demo loads and the addresses are printed; else
    an InvalidInput naming it (``cannot listen on 127.0.0.1:8000: Address already in use``). One uvicorn worker
    said it in its log lines and exit code 3, after the workspace's address was printed as if served."""
    from api.server.workers import PortInUse, listening_socket

    try:
        listening_socket(host, port, reuse_port=False).close()
    except PortInUse as exc:
        raise InvalidInput(str(exc)) from exc


def run_server(host: str, port: int, workers: int) -> None:
    """Serve until stopped (``api.server.run``), imported only by this command: the API's modules would add
    about a second to every other command's start."""
    from api.server.run import serve as run

    run(host, port, workers)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
