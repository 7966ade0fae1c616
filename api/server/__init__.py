"""Serving the API: the worker supervisor and the HTTP protocol uvicorn runs."""
