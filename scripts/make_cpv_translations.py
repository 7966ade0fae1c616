"""Build the shipped CPV labels in the EU's other languages (``matcher/data/codelists/cpv2008_<lang>.json.gz``).

The source is a checkout of xterr/php-cpvcodes (MIT; its data is the official EU CPV 2008 of Regulation (EC)
213/2008, as SIMAP publishes it): ``Resources/cpvCodes.json`` gives each CPV 2008 code (``version`` 2) its
English label, and ``Resources/translations/php/cpvCodes.<lang>.php`` maps each English label to the
language's label. Joined on the code, every file holds code without check digit -> label, as the Korean file
does, for the codes of the shipped English list. Files are gzip-compressed with a zero timestamp, so a rebuild
from the same source gives the same bytes.

Usage::

    python scripts/make_cpv_translations.py --source /path/to/php-cpvcodes [--out matcher/data/codelists]
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
from pathlib import Path

#: One entry of a PHP translation array: 'English label' => 'translated label',
ENTRY = re.compile(r"^\s*'((?:[^'\\]|\\.)*)'\s*=>\s*'((?:[^'\\]|\\.)*)',?\s*$")
ESCAPE = re.compile(r"\\(.)")
#: A double quote the source escaped once or twice too often (Polish \\"piłka na uwięzi\\").
QUOTE = re.compile(r'\\+"')
#: Where a label split at ": " left the translation in the value (``php_strings``), quoted either way.
SPLIT = re.compile(r"':\s*(['\"])")


def php_strings(text: str) -> dict[str, str]:
    """The key => value pairs of a PHP array of single-quoted strings (``\\'`` and ``\\\\`` unescaped). Four slips
    of the source are mended:

    - a non-breaking space written ``\\_`` (Czech "a\\_podpora", 673 labels) is read as a space;
    - a double quote escaped too often (Maltese and Polish labels) is read as one;
    - an apostrophe written twice in 34 labels ("Bulls'' semen") is read as one;
    - a label with ": " in it (72000000 "IT services: consulting, ...") was split there, its rest and
      translation left in the value ("consulting, ...': 'It-tjenester: ..."): joined back."""
    out = {}
    for line in text.splitlines():
        if match := ENTRY.match(line):
            key, value = (QUOTE.sub('"', ESCAPE.sub(r"\1", part)).replace("''", "'").replace("\\_", " ")
                          for part in (match[1], match[2]))
            if split := SPLIT.search(value):
                rest, value = value[:split.start()], value[split.end():]
                key, value = f"{key}: {rest}", value.removesuffix(split[1])
            out[key] = value
    return out


def english_by_code(source: Path) -> dict[str, str]:
    """Code without check digit -> English label, CPV 2008 (``version`` 2) only."""
    entries = json.loads((source / "Resources" / "cpvCodes.json").read_text(encoding="utf-8"))
    return {e["code"].split("-")[0]: e["name"] for e in entries if e.get("version") == 2}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, required=True, help="a checkout of xterr/php-cpvcodes")
    parser.add_argument("--out", type=Path, default=Path("matcher/data/codelists"))
    args = parser.parse_args()
    ours = {code.split("-")[0] for code in json.loads(gzip.decompress((args.out / "cpv2008_en.json.gz").read_bytes()))}
    english = english_by_code(args.source)
    files = sorted((args.source / "Resources" / "translations" / "php").glob("cpvCodes.*.php"))
    if not files:
        sys.exit(f"no Resources/translations/php/cpvCodes.<lang>.php under {args.source}")
    for path in files:
        language = path.name.split(".")[1]
        translated = php_strings(path.read_text(encoding="utf-8"))
        labels = {code: translated[name] for code, name in sorted(english.items())
                  if code in ours and translated.get(name, "").strip()}
        body = json.dumps(labels, ensure_ascii=False, indent=0).encode("utf-8")
        (args.out / f"cpv2008_{language}.json.gz").write_bytes(gzip.compress(body, mtime=0))
        print(f"{language}: {len(labels)} of {len(ours)} codes")


if __name__ == "__main__":
    main()
