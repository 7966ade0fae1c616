"""Serving the API: uvicorn's options (run), the worker supervisor and the HTTP protocol uvicorn runs."""
