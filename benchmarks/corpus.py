"""Large realistic stores for the scale benchmarks, grown from real notices and their real embeddings.

The TED sample's notices (the bundled demo's when ``../shared`` is absent) are embedded for real with the
configured encoder once (cached in ``benchmarks/.work``). A generated notice takes the title, buyer and codes of
one real notice and the description and place of another; its vector is the normalised mix of the two real
vectors (title side weighted 2:1) plus a small isotropic perturbation, so neighbourhoods, clusters and score
distributions follow real notices. The generated vectors are written into the store's embedding cache under
the very keys the pipeline computes, so ``build_index`` runs the product code end to end without spending
hours re-encoding recombined text. Like a year-long feed, most generated notices are closed at ``AS_OF``:
deadlines spread over the year before and the months after it, and award notices keep their real share.
Firms are profiles of what one real notice asks for (its English title, a description excerpt, its codes).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from benchmarks.report import ROOT, SHARED_DATA
from matcher.config import EncoderName, Settings
from matcher.ingest.ted import read_ted
from matcher.normalize.openness import OpenRule
from matcher.pipeline import Matcher
from matcher.schema import FirmProfile, Tender
from matcher.search.encoders import MAX_CHARS, EmbeddingCache, make_encoder, normalize_rows
from matcher.search.vector_index import ivf_nprobe

WORK = ROOT / "benchmarks" / ".work"
SHARED = SHARED_DATA / "ted_xml_sample" / "ted_xml_notices_3476.tar.gz"
DEMO = ROOT / "matcher" / "data" / "demo" / "tenders.tar.gz"
AS_OF = datetime(2021, 4, 28, 12, tzinfo=UTC)
NOISE = 0.04  # per-dimension sigma of the perturbation (512-d: |noise| ~ 0.9, so cos to the mix ~ 0.75)
COUNTRIES = ["FR", "DE", "IT", "ES", "PL", "KE", "ET", "VN", "PH", "LT", "EE", "RO", "BE", "NL"]


@dataclass(frozen=True)
class Seed:
    """The real notices and their real vectors (row i embeds ``notices[i].text()``)."""

    notices: list[Tender]
    vectors: np.ndarray
    encoder_id: str


def seed(encoder: EncoderName = "use-multilingual", source: Path | None = None) -> Seed:
    path = source or (SHARED if SHARED.exists() else DEMO)
    notices = [t for t in read_ted(path) if isinstance(t, Tender) and t.description]
    notices = list({t.tender_id: t for t in notices}.values())
    model = make_encoder(encoder, Settings().cache_dir / "onnx")
    cache = WORK / f"seed-{model.encoder_id.replace('@', '-')}-{path.name}-{len(notices)}.npy"
    if cache.exists():
        vectors = np.load(cache, allow_pickle=False)
    else:
        print(f"embedding {len(notices)} real notices with {model.encoder_id} (once; cached in {cache})")
        vectors = np.concatenate([
            model.encode([t.text()[:MAX_CHARS] for t in notices[i : i + 256]]) for i in range(0, len(notices), 256)
        ])
        WORK.mkdir(parents=True, exist_ok=True)
        np.save(cache, vectors, allow_pickle=False)
    return Seed(notices, vectors.astype(np.float32), model.encoder_id)


def _perturbed(base: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return normalize_rows(base + rng.normal(0.0, NOISE, base.shape).astype(np.float32))


def make_tenders(s: Seed, n: int, rng: random.Random, nrng: np.random.Generator,
                 prefix: str = "bench") -> tuple[list[Tender], np.ndarray]:
    notices = s.notices
    a = [rng.randrange(len(notices)) for _ in range(n)]
    b = [rng.randrange(len(notices)) for _ in range(n)]
    vectors = _perturbed(2 * s.vectors[a] + s.vectors[b], nrng)
    out = []
    for i, (ia, ib) in enumerate(zip(a, b, strict=True)):
        x, y = notices[ia], notices[ib]
        value = y.value if y.value is not None else (rng.choice([None, rng.uniform(5e4, 5e6)]))
        published = AS_OF - timedelta(days=rng.randint(0, 365))
        out.append(Tender(
            tender_id=f"{prefix}:{i}", source="bench", notice_type=x.notice_type, title=x.title, titles=x.titles,
            description=y.description[:3000], language=x.language, buyer=x.buyer, buyer_country=x.buyer_country,
            countries=y.countries, codes=list(dict.fromkeys(x.codes + y.codes[:2])), value=value,
            currency=(y.currency or "EUR") if value is not None else None, published=published.date(),
            deadline=published + timedelta(days=rng.randint(20, 60), hours=rng.randint(0, 23)), url=x.url,
        ))
    return out, vectors


def make_firms(s: Seed, n: int, rng: random.Random, nrng: np.random.Generator) -> tuple[list[FirmProfile], np.ndarray]:
    picks = [rng.randrange(len(s.notices)) for _ in range(n)]
    vectors = _perturbed(s.vectors[picks], nrng)
    out = []
    for i, pick in enumerate(picks):
        c = s.notices[pick]
        title = c.titles.get("en") or c.title
        out.append(FirmProfile(
            firm_id=f"bench-firm-{i}", name=f"Bench Firm {i}", description=f"{title}. {c.description[:600]}",
            keywords=[w for w in title.split() if len(w) > 5][:3], codes=c.codes[:3], home_country="KR",
            target_countries=list(dict.fromkeys([c.buyer_country or "FR", *rng.sample(COUNTRIES, 2)])),
        ))
    return out, vectors


def open_share(tenders: Sequence[Tender]) -> float:
    rule = OpenRule.from_settings(Settings())
    return sum(rule.is_open(t, AS_OF) for t in tenders) / max(len(tenders), 1)


def build_home(home: Path, n_tenders: int, n_firms: int, encoder: EncoderName = "use-multilingual",
               source: Path | None = None, seed_value: int = 7, chunk: int = 50_000) -> Matcher:
    """A data folder with ``n_tenders`` generated notices, ``n_firms`` firms and a built index. Reused when
    ``home`` already holds a finished build of the same size (``home/READY`` names it)."""
    settings = Settings(home=home, encoder=encoder, clock=AS_OF, secret_key="bench" * 8)
    ready = home / "READY"
    label = f"{n_tenders} tenders, {n_firms} firms, encoder {encoder}, seed {seed_value}, noise {NOISE}"
    if ready.exists() and ready.read_text() == label:
        matcher = Matcher(settings)
        manifest = matcher.index.current().vectors.manifest
        if manifest.index_type == "ivf" and manifest.nprobe != ivf_nprobe(manifest.nlist or 0, manifest.count):
            print(f"  the index of {home} predates the current nprobe rule: rebuilding it", flush=True)
            matcher.build_index(rebuild=True)  # the notices stay; only the index follows today's rule
        return matcher
    if home.exists() and any(home.iterdir()):
        raise SystemExit(f"{home} holds something else than '{label}': remove it first")
    s = seed(encoder, source)
    matcher = Matcher(settings)
    cache = EmbeddingCache(settings.cache_dir / "embeddings.sqlite")
    rng, nrng = random.Random(seed_value), np.random.default_rng(seed_value)
    for start in range(0, n_tenders, chunk):
        tenders, vectors = make_tenders(s, min(chunk, n_tenders - start), rng, nrng, prefix=f"bench{start}")
        cache.put_many({EmbeddingCache.key(s.encoder_id, t.text()[:MAX_CHARS]): v
                        for t, v in zip(tenders, vectors, strict=True)})
        matcher.upsert_tenders(tenders, sync=False)
        print(f"  stored {start + len(tenders)} / {n_tenders} tenders", flush=True)
    firms, firm_vectors = make_firms(s, n_firms, rng, nrng)
    cache.put_many({EmbeddingCache.key(s.encoder_id, f.text()[:MAX_CHARS]): v
                    for f, v in zip(firms, firm_vectors, strict=True)})
    cache.close()
    matcher.upsert_firms(firms)
    matcher.build_index(progress=True)
    ready.write_text(label)
    return matcher
