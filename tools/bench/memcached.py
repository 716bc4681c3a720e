#!/usr/bin/env python3
"""memcached for the memcached benchmark: Debian's package and the shared libraries it links,
pinned, downloaded and SHA-256 checked as the page corpus's packages are (corpus.fetch), and
unpacked into a cache. The guest image gets the binary in /usr/bin and the libraries in
/lib/x86_64-linux-gnu (glibc's loader in /lib64, where the binary's PT_INTERP names it).

    python3 tools/bench/memcached.py     unpacks (or finds cached) and prints image path -> file

Every DT_NEEDED library of every file is checked to be among the files (readelf), so a new
pin that links one more library fails here, on the host, not in a guest.
"""

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import corpus

CACHE = Path(os.environ.get("RAMSTER_CACHE", Path.home() / ".cache/ramster")) / "memcached"
LIBDIR = "lib/x86_64-linux-gnu"


# The pinned packages: name -> (version, SHA-256 of the .deb).
PINS = {
    "memcached": ("1.6.18-1+deb12u1",
                  "f6492f16ed827820778d8be49c2c6c14191d8e6fb19ace3db6372f692fc6aee9"),
    "libevent-2.1-7": ("2.1.12-stable-8+deb12u1",
                       "95a025ae2548aed9dbb0f0a0215b0483b7fa43db1d4f1f318f013f2ea84987c3"),
    "libsasl2-2": ("2.1.28+dfsg-10+deb12u1",
                   "d6f20408e2be92ebd9f5e3b1c1935b075efb3f03abb5f48f7b991a0ad3e2d6a5"),
    "libssl3": ("3.0.22-1~deb12u2",
                "cb4784740daa9b3b0eaea2b444bbefa686794afbbf3d678d238c1fd9875f2efd"),
    "libc6": ("2.36-9+deb12u14",
              "ba4f88f73dbc3ae9055f3c20f4523bfdbaf1ad13ff95e258924f77d20b4fbedf"),
}


def source(package: str, path: str) -> corpus.Source:
    """`path` of the pinned `package`, as a corpus.Source naming that one file."""
    version, sha256 = PINS[package]
    return corpus.Source("memcached", package, version, sha256, "^" + re.escape("./" + path) + "$")


# (the file a package gives, where the image wants it)
FILES = [
    (source("memcached", "usr/bin/memcached"), "usr/bin/memcached"),
    (source("libevent-2.1-7", "usr/lib/x86_64-linux-gnu/libevent-2.1.so.7.0.1"),
     f"{LIBDIR}/libevent-2.1.so.7"),
    (source("libsasl2-2", "usr/lib/x86_64-linux-gnu/libsasl2.so.2.0.25"),
     f"{LIBDIR}/libsasl2.so.2"),
    (source("libssl3", "usr/lib/x86_64-linux-gnu/libssl.so.3"), f"{LIBDIR}/libssl.so.3"),
    (source("libssl3", "usr/lib/x86_64-linux-gnu/libcrypto.so.3"), f"{LIBDIR}/libcrypto.so.3"),
    (source("libc6", "lib/x86_64-linux-gnu/libc.so.6"), f"{LIBDIR}/libc.so.6"),
    (source("libc6", "lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"), "lib64/ld-linux-x86-64.so.2"),
]


def key() -> str:
    spec = {"files": [[s.package, s.version, s.sha256, s.members, image] for s, image in FILES],
            "builder": hashlib.sha256(Path(__file__).read_bytes()).hexdigest()}
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:16]


def needed(path: Path) -> list:
    """The DT_NEEDED libraries of an ELF file."""
    out = subprocess.run(["readelf", "-d", str(path)], check=True, capture_output=True,
                         text=True).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)


def files(cache: Path = CACHE) -> dict:
    """Image path -> unpacked file, unpacking the pinned packages once."""
    out_dir = cache / key()
    want = {image: out_dir / image for _, image in FILES}
    if all(p.exists() for p in want.values()):
        return want
    for s, image in FILES:
        data = corpus.package_files(corpus.fetch(s, cache / "debs"), s.members)
        if len(data) != 1:
            raise corpus.CorpusError(f"{s.package} {s.version}: {s.members} matches "
                                     f"{len(data)} files")
        want[image].parent.mkdir(parents=True, exist_ok=True)
        want[image].write_bytes(data[0])
        want[image].chmod(0o755)
    names = {Path(image).name for image in want}
    for image, path in want.items():
        missing = [lib for lib in needed(path) if lib not in names]
        if missing:
            raise corpus.CorpusError(f"{image} needs {', '.join(missing)}: pin the package "
                                     "that has it in tools/bench/memcached.py")
    return want


def main() -> int:
    try:
        for image, path in files().items():
            print(f"/{image} {path}")
    except corpus.CorpusError as e:
        print(f"memcached: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
