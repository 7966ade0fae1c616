"""The API's documentation pages, /docs (Swagger UI) and /redoc (ReDoc), served with no CDN: their scripts and
styles are the ones fastapi-offline ships inside its wheel, mounted under ``OFFLINE_DOCS``, so the docs work on
a machine without internet.

fastapi-offline is used for its assets only: chosen over vendoring swagger-ui-dist and redoc from npm, it keeps
~2.8 MB of minified third-party JavaScript out of this repository and is upgraded with pip like every other
dependency. Its ``FastAPIOffline`` constructor is not used: it defines the doc pages as closures over the app,
and FastAPI caches every endpoint it classifies (``fastapi.dependencies.models``, the last 4,096), so each app
built stayed alive with its Matcher for the rest of the process (``tests/api/test_app_lifetime.py``). The pages
here are module-level functions that read what they need from ``request.app``.
"""

from __future__ import annotations

import threading
from pathlib import Path

import fastapi_offline
from cachetools import LRUCache, cached
from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

#: fastapi-offline's assets (Swagger UI, ReDoc, the favicon), served here.
OFFLINE_DOCS = "/static-offline-docs"
ASSETS = Path(fastapi_offline.__file__).parent / "static"
#: ReDoc's sidebar shows Redocly's logo from their CDN: the one address the bundled ReDoc still fetches.
REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
#: The bundled ReDoc with that logo address made an empty image (ReDoc hides a logo that fails to load).
REDOC_SCRIPT = "/static-docs/redoc.standalone.js"
DOCS = "/docs"
OAUTH2_REDIRECT = "/docs/oauth2-redirect"
REDOC = "/redoc"

router = APIRouter(include_in_schema=False)


# One value; nothing invalidates it, the file ships in the installed wheel.
@cached(LRUCache(maxsize=1), lock=threading.Lock())
def offline_redoc_script() -> bytes:
    return (ASSETS / "redoc.standalone.js").read_text(encoding="utf-8").replace(REDOC_LOGO, "data:,").encode()


def _root(request: Request) -> str:
    return str(request.scope.get("root_path", ""))


@router.get(DOCS)
async def swagger_ui(request: Request) -> HTMLResponse:
    app: FastAPI = request.app
    root = _root(request)
    return get_swagger_ui_html(
        openapi_url=f"{root}{app.openapi_url}", title=f"{app.title} - Swagger UI",
        oauth2_redirect_url=f"{root}{OAUTH2_REDIRECT}", swagger_js_url=f"{root}{OFFLINE_DOCS}/swagger-ui-bundle.js",
        swagger_css_url=f"{root}{OFFLINE_DOCS}/swagger-ui.css",
        swagger_favicon_url=f"{root}{OFFLINE_DOCS}/favicon.png", swagger_ui_parameters=app.swagger_ui_parameters,
    )


@router.get(OAUTH2_REDIRECT)
async def swagger_ui_redirect() -> HTMLResponse:
    return get_swagger_ui_oauth2_redirect_html()


@router.get(REDOC)
async def redoc(request: Request) -> HTMLResponse:
    app: FastAPI = request.app
    root = _root(request)
    return get_redoc_html(
        openapi_url=f"{root}{app.openapi_url}", title=f"{app.title} - ReDoc", redoc_js_url=f"{root}{REDOC_SCRIPT}",
        redoc_favicon_url=f"{root}{OFFLINE_DOCS}/favicon.png", with_google_fonts=False,
    )


@router.get(REDOC_SCRIPT)
async def redoc_script() -> Response:
    return Response(offline_redoc_script(), media_type="text/javascript",
                    headers={"Cache-Control": "public, max-age=86400"})


def install(app: FastAPI) -> None:
    """The doc pages and their assets on ``app`` (built with ``docs_url=None, redoc_url=None``)."""
    app.mount(OFFLINE_DOCS, StaticFiles(directory=ASSETS), name="static-offline-docs")
    app.include_router(router)
