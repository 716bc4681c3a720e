#!/usr/bin/env python3
"""The file set of the cleancache benchmark: part of a real source tree (the Linux 6.12 sources
of Debian's linux-source-6.12, which the test kernel is built from), in an ext4 image the
guest mounts read-only, and the SHA-256 of all its files read in a fixed order.

    python3 tools/bench/fileset.py [MIB]     builds the image (or finds it cached), prints its dir

The tarball's regular files under PREFIXES are taken in archive order until MIB MiB (default
FILESET_MIB); names with whitespace are skipped (the guest reads the list with xargs). The
image holds the files and `.files`, their paths in reading order. Cached in
$RAMSTER_CACHE (default ~/.cache/ramster)/fileset/<key>/ (key: the source package's version,
the size, the prefixes and this file): `fileset.img` and `fileset.json` (files, bytes, sha256).
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

CACHE = Path(os.environ.get("RAMSTER_CACHE", Path.home() / ".cache/ramster")) / "fileset"
TARBALL = Path("/usr/src/linux-source-6.12.tar.xz")
PREFIXES = ["fs/", "mm/", "kernel/", "net/", "include/", "drivers/"]
# 1.5 times the bench guest's 80 MiB.
FILESET_MIB = 120


class FilesetError(Exception):
    pass


def source_version() -> str:
    out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "linux-source-6.12"],
                         capture_output=True, text=True)
    if out.returncode != 0 or not TARBALL.exists():
        raise FilesetError(f"no {TARBALL} (package linux-source-6.12; tools/kernel/"
                           "install-deps.sh installs it)")
    return out.stdout.strip()


def key(version: str, mib: int) -> str:
    spec = {"source": version, "mib": mib, "prefixes": PREFIXES,
            "builder": hashlib.sha256(Path(__file__).read_bytes()).hexdigest()}
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:16]


def wanted(name: str) -> bool:
    """Whether a tar member's path (top directory stripped) is in the set's subtrees."""
    return any(name.startswith(p) for p in PREFIXES) and not any(c.isspace() for c in name)


def extract(tree: Path, limit: int) -> tuple:
    """Extracts files into `tree` until `limit` bytes; returns (paths in order, bytes, sha256
    of their contents in that order)."""
    paths, total, digest = [], 0, hashlib.sha256()
    with tarfile.open(TARBALL, "r|xz") as tar:
        for m in tar:
            name = m.name.split("/", 1)[1] if "/" in m.name else ""
            if not m.isfile() or not wanted(name):
                continue
            data = tar.extractfile(m).read()
            out = tree / name
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(data)
            paths.append(name)
            digest.update(data)
            total += len(data)
            if total >= limit:
                return paths, total, digest.hexdigest()
    raise FilesetError(f"{TARBALL}: only {total} bytes under {PREFIXES}")


def build(mib: int = FILESET_MIB, cache: Path = CACHE, log=print) -> Path:
    version = source_version()
    out = cache / key(version, mib)
    if (out / "fileset.json").exists():
        return out
    log(f"fileset: building {out}: {mib} MiB of linux-source-6.12 {version}")
    tmp = Path(f"{out}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tree = tmp / "tree"
    tree.mkdir(parents=True)
    paths, total, sha = extract(tree, mib << 20)
    (tree / ".files").write_text("".join(f"{p}\n" for p in paths))
    # Room for the files' last blocks and the metadata.
    size_mib = mib * 3 // 2 + 32
    subprocess.run(["mkfs.ext4", "-q", "-F", "-b", "4096", "-L", "fileset", "-d", str(tree),
                    str(tmp / "fileset.img"), f"{size_mib}M"], check=True)
    shutil.rmtree(tree)
    (tmp / "fileset.json").write_text(json.dumps(
        {"source": f"linux-source-6.12 {version}", "prefixes": PREFIXES, "files": len(paths),
         "bytes": total, "sha256": sha}, indent=1) + "\n")
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    return out


def main() -> int:
    try:
        mib = int(sys.argv[1]) if len(sys.argv) > 1 else FILESET_MIB
        print(build(mib, log=lambda m: print(m, file=sys.stderr)))
    except (FilesetError, ValueError) as e:
        print(f"fileset: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
