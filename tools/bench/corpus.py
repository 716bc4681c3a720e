#!/usr/bin/env python3
"""The page corpus of the swap benchmark: 4 KiB pages of real data, built at bench time from
pinned Debian packages (nothing of it is kept in the repository), in fixed proportions.

    python3 tools/bench/corpus.py        builds the corpus (or finds it cached), prints its path

Kinds (Documentation/benchmarks.rst says where the proportions come from):

- ``text``: the English man pages of ``manpages`` and ``manpages-dev``, un-gzipped and laid end to end (text in a
  program's memory: strings, documents, buffers);
- ``binary``: the ELF shared objects of ``libstdc++6`` (code and read-only data);
- ``data``: the object files of ``libstdc++.a`` (``libstdc++-12-dev``): arrays of small records
  (symbol tables, relocations: offsets, small integers, zero padding), string tables and code,
  standing in for a program's heap (real heaps also hold pointers, which these lack);
- ``zero``: pages of zeros.

A page of zeros (or of any one repeated word: zswap's and zram's "same-filled" pages) met in the
text, binary or data files is skipped there, so the share of same-filled pages is exactly the
``zero`` share. Each kind's pages are a deterministic sample (seeded) of every page its files
give. Packages come from the Debian mirror with ``apt-get download PACKAGE=VERSION`` and are
checked against their pinned SHA-256 before use.

The corpus is cached in $RAMSTER_CACHE (default ~/.cache/ramster)/corpus/<key>/, where the key
hashes every input: the pinned packages, the proportions, the size, the seed and this file.
It holds ``corpus.pages`` (the pages, kind after kind), ``corpus.kinds`` (one ``KIND FIRST
COUNT`` line per kind, for the host ratio tool) and ``corpus.json`` (the same, with the inputs).
"""

import gzip
import hashlib
import io
import json
import os
import random
import re
import subprocess
import sys
import tarfile
from dataclasses import asdict, dataclass
from pathlib import Path

PAGE = 4096
CACHE = Path(os.environ.get("RAMSTER_CACHE", Path.home() / ".cache/ramster")) / "corpus"


@dataclass(frozen=True)
class Source:
    kind: str
    package: str
    version: str
    sha256: str
    # Regular files of the package whose path (as in the package, "./usr/...") matches.
    members: str
    # Lay the files end to end before cutting pages (small text files), or cut each file alone
    # (a binary, mapped page by page).
    join: bool = False


SOURCES = [
    Source("text", "manpages", "6.03-2",
           "efa1ba4cd19ad7baeae959c9209a7eb74be2ebb858bcabb412597bfc9f588c91",
           r"^\./usr/share/man/man[1-8]/[^/]+\.gz$", join=True),
    Source("text", "manpages-dev", "6.03-2",
           "96f55cb5e26231d5567c89b692bced63825a14a2d5bd18fdf16ea2ed44eb9838",
           r"^\./usr/share/man/man[1-8]/[^/]+\.gz$", join=True),
    Source("binary", "libstdc++6", "12.2.0-14+deb12u1",
           "5cd3171216d4ab0fc911cfe9c35509bf2dd8f47761c43b7f6a4296701551a24d",
           r"^\./usr/lib/x86_64-linux-gnu/libstdc\+\+\.so\.[0-9.]+$"),
    Source("data", "libstdc++-12-dev", "12.2.0-14+deb12u1",
           "d28def6c23630432b57cb38a4c2fd67a79d4e0484027386ca6e8d6005c3d7a73",
           r"^\./usr/lib/gcc/x86_64-linux-gnu/12/libstdc\+\+\.a$"),
]

# Shares of the corpus's pages. Same-filled pages: 10-20% of swapped pages in zswap's own
# measurements (the commit that added zswap's same-filled pages, a85f878b443f, Linux 4.14);
# no published figure splits the rest by kind, so it is chosen to land the whole within the
# overall LZ4 ratios published for production memory, about 2.5-3.5:1 (Google's cold memory,
# Lagar-Cavilla et al., ASPLOS 2019; see Documentation/benchmarks.rst).
SHARES = {"text": 0.25, "binary": 0.15, "data": 0.40, "zero": 0.20}
PAGES = 2048  # 8 MiB
SEED = 15
FORMAT = 1


class CorpusError(Exception):
    pass


def counts(shares: dict, pages: int) -> dict:
    """Pages per kind: `pages` split by `shares` (largest remainder, so they add up)."""
    total = sum(shares.values())
    exact = {k: pages * s / total for k, s in shares.items()}
    out = {k: int(v) for k, v in exact.items()}
    left = pages - sum(out.values())
    for k in sorted(exact, key=lambda k: (out[k] - exact[k], k))[:left]:
        out[k] += 1
    return out


def same_filled(page: bytes) -> bool:
    """Whether `page` is one 8-byte word repeated (zswap's and zram's same-filled pages)."""
    return page == page[:8] * (len(page) // 8)


def cut(data: bytes) -> list:
    """The whole pages of `data` (a partial last page is dropped: its zero tail is not data)."""
    return [data[i:i + PAGE] for i in range(0, len(data) - PAGE + 1, PAGE)]


def pages_of(files: list, join: bool) -> list:
    """The pages of `files` (their contents, in order), same-filled pages left out."""
    chunks = [b"".join(files)] if join else files
    return [p for data in chunks for p in cut(data) if not same_filled(p)]


def sample(pages: list, count: int, seed: str) -> list:
    """`count` of `pages`, a deterministic sample in their original order."""
    if count > len(pages):
        raise CorpusError(f"{seed}: {count} pages wanted, only {len(pages)} available")
    chosen = sorted(random.Random(seed).sample(range(len(pages)), count))
    return [pages[i] for i in chosen]


def key(sources: list, shares: dict, pages: int, seed: int) -> str:
    """The cache key: every input of the corpus, this file included."""
    spec = {"sources": [asdict(s) for s in sources], "shares": shares, "pages": pages,
            "seed": seed, "format": FORMAT,
            "builder": hashlib.sha256(Path(__file__).read_bytes()).hexdigest()}
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:16]


def members(tar: tarfile.TarFile, pattern: str) -> list:
    """The contents of `tar`'s regular files whose names match, by name; .gz files
    un-gzipped."""
    out = []
    for m in sorted((m for m in tar.getmembers() if m.isfile() and re.search(pattern, m.name)),
                    key=lambda m: m.name):
        data = tar.extractfile(m).read()
        out.append(gzip.decompress(data) if m.name.endswith(".gz") else data)
    return out


def fetch(s: Source, debs: Path) -> Path:
    """The pinned package, downloaded once and checked against its SHA-256."""
    debs.mkdir(parents=True, exist_ok=True)
    deb = debs / f"{s.package}_{s.version}_{s.sha256[:12]}.deb"
    if not deb.exists():
        tmp = debs / "download"
        tmp.mkdir(exist_ok=True)
        for old in tmp.iterdir():
            old.unlink()
        got = subprocess.run(["apt-get", "download", f"{s.package}={s.version}"], cwd=tmp,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        files = list(tmp.glob("*.deb"))
        if got.returncode != 0 or len(files) != 1:
            raise CorpusError(f"apt-get download {s.package}={s.version} failed (the pinned "
                              f"version may have left the mirror: pin the current one in "
                              f"tools/bench/corpus.py):\n{got.stdout[-1000:]}")
        files[0].rename(deb)
    digest = hashlib.sha256(deb.read_bytes()).hexdigest()
    if digest != s.sha256:
        deb.unlink()
        raise CorpusError(f"{s.package} {s.version}: SHA-256 {digest}, pinned {s.sha256}")
    return deb


def package_files(deb: Path, pattern: str) -> list:
    tar = subprocess.run(["dpkg-deb", "--fsys-tarfile", str(deb)], check=True,
                         stdout=subprocess.PIPE).stdout
    with tarfile.open(fileobj=io.BytesIO(tar)) as t:
        return members(t, pattern)


def assemble(kind_pages: dict, shares: dict, pages: int, seed: int) -> tuple:
    """The corpus from every kind's available pages: (its bytes, [(kind, first, count)])."""
    want = counts(shares, pages)
    out, layout = [], []
    for kind in shares:
        if kind == "zero":
            chosen = [bytes(PAGE)] * want[kind]
        else:
            chosen = sample(kind_pages[kind], want[kind], f"{seed}:{kind}")
        layout.append((kind, len(out), len(chosen)))
        out += chosen
    return b"".join(out), layout


def build(sources=SOURCES, shares=SHARES, pages=PAGES, seed=SEED, cache=CACHE,
          log=print) -> Path:
    """The corpus's directory, built if not cached."""
    k = key(sources, shares, pages, seed)
    out = cache / k
    if (out / "corpus.json").exists():
        return out
    log(f"corpus: building {out} from {', '.join(f'{s.package} {s.version}' for s in sources)}")
    kind_pages = {}
    for s in sources:
        files = package_files(fetch(s, cache / "debs"), s.members)
        if not files:
            raise CorpusError(f"{s.package}: no file matches {s.members}")
        kind_pages.setdefault(s.kind, []).extend(pages_of(files, s.join))
    data, layout = assemble(kind_pages, shares, pages, seed)
    tmp = cache / f"{k}.tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "corpus.pages").write_bytes(data)
    (tmp / "corpus.kinds").write_text("".join(f"{k_} {f} {n}\n" for k_, f, n in layout))
    manifest = {"key": k, "pages": pages, "seed": seed, "shares": shares,
                "layout": [{"kind": k_, "first": f, "count": n} for k_, f, n in layout],
                "sources": [asdict(s) for s in sources],
                "sha256": hashlib.sha256(data).hexdigest()}
    (tmp / "corpus.json").write_text(json.dumps(manifest, indent=1) + "\n")
    if out.exists():
        for f in out.iterdir():
            f.unlink()
        out.rmdir()
    tmp.rename(out)
    return out


def main() -> int:
    try:
        print(build(log=lambda m: print(m, file=sys.stderr)))
    except CorpusError as e:
        print(f"corpus: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
