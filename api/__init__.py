"""The HTTP API: a thin FastAPI face over ``matcher.pipeline.Matcher`` (see ``api.main.create_app``)."""
