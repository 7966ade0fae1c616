"""The shared machinery every service works over: settings, the store, and the encoder and the index, each built
on first use (ingesting or listing never loads a model)."""

from __future__ import annotations

from datetime import datetime
from functools import cached_property

from matcher.config import Settings
from matcher.errors import InvalidInput
from matcher.normalize.openness import OpenRule
from matcher.search.encoders import Embedder, EmbeddingCache, Encoder, make_encoder
from matcher.search.index_folder import IndexFolder
from matcher.search.index_sync import IndexService
from matcher.store import Database


class Engine:
    """One store and one index, as the settings describe them. ``encoder`` replaces the configured one (tests)."""

    def __init__(self, settings: Settings, encoder: Encoder | None = None) -> None:
        self.settings = settings
        try:
            settings.ensure_home()  # created private; its database files kept private (Settings.ensure_home)
        except OSError as exc:
            raise InvalidInput(f"bad setting MATCHER_HOME (or --home): cannot use {str(settings.home)!r} as the "
                               f"data folder: {exc.strerror or exc}") from exc
        self.db = Database(settings.db_url)
        self.db.create_all()
        self.open_rule = OpenRule.from_settings(settings)  # what "open" means (matcher.normalize.openness)
        self._encoder = encoder

    def now(self) -> datetime:
        return self.settings.now()

    @cached_property
    def embedder(self) -> Embedder:
        encoder = self._encoder or make_encoder(self.settings.encoder, cache_dir=self.settings.cache_dir / "onnx")
        cache = EmbeddingCache(self.settings.cache_dir / "embeddings.sqlite")
        return Embedder(encoder, cache, self.settings.embed_batch_size)

    @cached_property
    def index(self) -> IndexService:
        folder = IndexFolder(self.settings.indexes_dir / self.settings.index_name)
        return IndexService(folder, self.embedder, self.settings.exact_index_max, self.settings.ivf_nprobe,
                            compression=self.settings.index_compression)

    @property
    def backend(self) -> str:
        """The store's SQL dialect ("sqlite", "postgresql"), for health reports."""
        return self.db.engine.dialect.name

    def close(self) -> None:
        self.db.dispose()
