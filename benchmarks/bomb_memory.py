"""Peak memory of refusing a decompression bomb (issue 15 item 2): 2 GiB of zeros, about 2 MB packed.

    .venv/bin/python -m benchmarks.bomb_memory [--tree PATH] [--kinds xml.gz csv.gz zip tar.gz] [--size GiB]

Each bomb goes once through ``matcher ingest tenders`` and once through ``POST /tenders/import`` (the app in
a process of its own, behind Starlette's test client, with the default settings: a 50 MiB upload limit,
so a 500 MiB limit per file or member). Every run is a fresh process; its peak resident set (``wait4``'s
ru_maxrss) is printed beside a baseline run of the same face on a small legitimate file. ``--tree`` runs
another checkout's code (a ``git worktree`` of the revision before the limits) for the before numbers.
Not a test: the figures go into the issue's report.
"""

from __future__ import annotations

import argparse
import gzip
import io
import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHUNK = 1 << 20
NOTICE = ROOT / "tests" / "fixtures" / "ted" / "pin_pt_629765-2021.xml"

CLI = "import sys; from matcher.cli import main; sys.argv = ['matcher', *sys.argv[1:]]; main()"
API = """
import sys
from pathlib import Path
from fastapi.testclient import TestClient
from api.main import create_app
from matcher.config import Settings
from matcher.pipeline import Matcher
from matcher.search.encoders import FakeEncoder
from matcher.services.access import AccessControl

home, upload = Path(sys.argv[1]), Path(sys.argv[2])
matcher = Matcher(Settings(home=home, encoder="fake"), encoder=FakeEncoder())
key = AccessControl(matcher.engine.db).create_key("officer", "officer-1").token
client = TestClient(create_app(matcher=matcher))
with upload.open("rb") as handle:
    response = client.post("/tenders/import", files={"file": (upload.name, handle)},
                           headers={"Authorization": f"Bearer {key}"})
print(response.status_code, response.text[:300])
"""


class Zeros(io.RawIOBase):
    def __init__(self, size: int) -> None:
        self.left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        n = min(len(buffer), self.left)
        buffer[:n] = bytes(n)
        self.left -= n
        return n


def make_bomb(folder: Path, kind: str, size: int) -> Path:
    """``size`` zeros packed as ``kind``: a lone .gz, or one notice.xml member of a zip or tar.gz."""
    path = folder / f"bomb.{kind}"
    if kind.endswith(".gz") and not kind.startswith("tar"):
        with gzip.open(path, "wb") as out:
            stream = Zeros(size)
            while block := stream.read(CHUNK):
                out.write(block)
    elif kind == "zip":
        info = zipfile.ZipInfo("notice.xml")
        info.compress_type = zipfile.ZIP_DEFLATED
        with zipfile.ZipFile(path, "w") as archive, archive.open(info, "w", force_zip64=True) as out:
            stream = Zeros(size)
            while block := stream.read(CHUNK):
                out.write(block)
    else:
        with tarfile.open(path, "w:gz") as tar:
            member = tarfile.TarInfo("notice.xml")
            member.size = size
            tar.addfile(member, io.BufferedReader(Zeros(size), CHUNK))
    return path


def peak(args: list[str], tree: Path) -> tuple[float, str]:
    """(peak RSS in MB, the last line it printed) of one Python process running ``args`` in ``tree``."""
    env = {**os.environ, "PYTHONPATH": str(tree), "MATCHER_ENCODER": "fake"}
    process = subprocess.Popen([sys.executable, *args], cwd=tree, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    lines = [line for line in output.splitlines() if line.strip()] or [""]
    return usage.ru_maxrss / 1024, f"exit {process.returncode}: {lines[-1][:240]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tree", type=Path, default=ROOT)
    parser.add_argument("--kinds", nargs="+", default=["xml.gz", "json.gz", "csv.gz", "zip", "tar.gz"])
    parser.add_argument("--size", type=float, default=2.0, help="GiB of zeros in each bomb")
    parser.add_argument("--faces", nargs="+", default=["cli", "api"], choices=["cli", "api"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bomb-memory-") as scratch:
        folder = Path(scratch)
        for face in args.faces:
            runs = [("baseline (one notice)", NOTICE)]
            runs += [(kind, make_bomb(folder, kind, int(args.size * 1024**3))) for kind in args.kinds]
            for label, path in runs:
                home = Path(tempfile.mkdtemp(dir=folder))
                command = (["-c", CLI, "ingest", "tenders", "--no-index", "--home", str(home), str(path)]
                           if face == "cli" else ["-c", API, str(home), str(path)])
                megabytes, said = peak(command, args.tree.resolve())
                size = path.stat().st_size / 1e6
                print(f"{face:3} {label:22} {size:7.2f} MB packed  peak RSS {megabytes:7.0f} MB  {said}", flush=True)


if __name__ == "__main__":
    main()
