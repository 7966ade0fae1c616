"""Runs after the browser test modules (files are collected in name order): they leave no event loop running on
the main thread, so the asyncio tests that run after them in any order still work (``browser`` in
tests/web/conftest.py)."""

from __future__ import annotations

import asyncio

import pytest


def test_no_event_loop_is_left_running_after_the_browser_tests() -> None:
    with pytest.raises(RuntimeError, match="no running event loop"):
        asyncio.get_running_loop()
    assert asyncio.run(asyncio.sleep(0, result=7)) == 7
