"""make check's installation checks: `make install` into a scratch DESTDIR, and DKMS adding,
building and installing ramster.ko for the test kernel from the committed sources.

DKMS installs only for a kernel whose /lib/modules/<release> exists; the test kernel is not
installed on the host, so its directory is made for the check (with `build` pointing at the
test kernel's tree, as a headers package does) and removed again with everything DKMS put
there. Needs root (DKMS writes /usr/src, /var/lib/dkms and /lib/modules), as make check does.
"""

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path


def _run(cmd, repo: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=repo, env=env, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _module_problems(ko: Path, release: str, repo: Path, env: dict) -> list:
    """What is wrong with the installed module `ko`: missing, or built for another kernel."""
    if not ko.is_file():
        return [f"no {ko}"]
    out = _run(["modinfo", "-F", "vermagic", str(ko)], repo, env)
    vermagic = out.stdout.strip() if out.returncode == 0 else f"modinfo failed: {out.stdout}"
    if vermagic.startswith(release + " "):
        return []
    return [f"{ko}: vermagic '{vermagic}', not {release}"]


def version(repo: Path) -> str:
    """The workspace's version, which dkms.conf must carry too."""
    return re.search(r'^version = "(.*)"', (repo / "Cargo.toml").read_text(), re.M).group(1)


def make_install(repo: Path, kdir: Path, release: str, env: dict) -> list:
    """`make install` into a scratch DESTDIR; returns what is wrong (empty: all good)."""
    problems = []
    with tempfile.TemporaryDirectory(prefix="ramster-install-") as dest:
        out = _run(["make", f"KDIR={kdir}", f"DESTDIR={dest}", "PREFIX=/usr", "install"],
                   repo, env)
        if out.returncode != 0:
            return [f"make install failed:\n{out.stdout[-3000:]}"]
        root = Path(dest)
        problems += _module_problems(root / "lib/modules" / release / "extra/ramster.ko",
                                     release, repo, env)
        if not (root / "lib/modules" / release / "modules.dep").is_file():
            problems.append("depmod did not run on the installed tree")
        tools = root / "usr/sbin/ramster-tools"
        ran = _run([str(tools), "--version"], repo, env) if tools.is_file() else None
        if ran is None or ran.returncode != 0 or not ran.stdout.startswith("ramster-tools "):
            problems.append(f"usr/sbin/ramster-tools --version: {ran.stdout if ran else 'missing'}")
        for path, must_hold in [
            ("usr/share/man/man8/ramster-tools.8", ".TH ramster-tools 8"),
            ("usr/share/bash-completion/completions/ramster-tools", "ramster-tools"),
            ("usr/share/zsh/site-functions/_ramster-tools", "#compdef ramster-tools"),
            ("usr/share/fish/vendor_completions.d/ramster-tools.fish", "complete -c ramster-tools"),
        ]:
            file = root / path
            if not file.is_file() or must_hold not in file.read_text():
                problems.append(f"{path}: missing, or without '{must_hold}'")
        problems += _service_problems(root, repo, env)
    return problems


def _service_problems(root: Path, repo: Path, env: dict) -> list:
    """What is wrong with the installed service files under `root` (installed with
    PREFIX=/usr): the unit passes `systemd-analyze verify` without a word, the scripts parse,
    the init script and the service script refuse bad use with their exit statuses."""
    problems = []
    script = root / "usr/lib/ramster/ramster-service"
    init = root / "etc/init.d/ramster"
    unit = root / "lib/systemd/system/ramster.service"
    for path in (script, init):
        if not os.access(path, os.X_OK):
            problems.append(f"{path.relative_to(root)}: missing or not executable")
    if problems or not unit.is_file() or not (root / "etc/default/ramster").is_file():
        return problems + ["the service files are not all installed"]
    for path in (script, init):
        out = _run(["sh", "-n", str(path)], repo, env)
        if out.returncode != 0:
            problems.append(f"sh -n {path.relative_to(root)}: {out.stdout}")
    # The unit as installed names /usr/lib/ramster/ramster-service: verify a copy that names
    # the file under `root`, so that systemd checks it exists and is executable.
    copy = root / "ramster.service"
    copy.write_text(unit.read_text().replace("/usr/lib/ramster/", f"{root}/usr/lib/ramster/"))
    out = _run(["systemd-analyze", "verify", "--man=no", str(copy)], repo, env)
    copy.unlink()
    if out.returncode != 0 or out.stdout.strip():
        problems.append(f"systemd-analyze verify ramster.service: {out.stdout.strip()}")
    bad_defaults = root / "bad-defaults"
    bad_defaults.write_text("RAMSTER_MODE=fast\n")
    no_defaults = root / "no-defaults"
    for cmd, defaults, status, says in [
        ([str(init), "bogus"], no_defaults, 3, "usage:"),
        ([str(script), "bogus"], no_defaults, 2, "usage:"),
        ([str(script), "status"], bad_defaults, 1, "RAMSTER_MODE in"),
    ]:
        out = _run(cmd, repo, dict(env, RAMSTER_DEFAULTS=str(defaults)))
        if out.returncode != status or says not in out.stdout:
            problems.append(f"{' '.join(cmd)}: status {out.returncode}, said {out.stdout!r}; "
                            f"wanted status {status} and '{says}'")
    bad_defaults.unlink()
    return problems


def dkms(repo: Path, kdir: Path, release: str, env: dict) -> list:
    """dkms add / build / install / remove for the test kernel; returns what is wrong."""
    if os.geteuid() != 0:
        return ["DKMS needs root (make check runs as root)"]
    if shutil.which("dkms") is None:
        return ["dkms is not installed (tools/kernel/install-deps.sh installs it)"]
    ver = version(repo)
    conf = (repo / "dkms.conf").read_text()
    if f'PACKAGE_VERSION="{ver}"' not in conf:
        return [f"dkms.conf's PACKAGE_VERSION is not the workspace's version {ver}"]
    moddir = Path("/lib/modules") / release
    made_moddir = not moddir.exists()
    problems = []

    def step(*cmd) -> bool:
        out = _run(list(cmd), repo, env)
        if out.returncode != 0:
            problems.append(f"{' '.join(cmd)} failed:\n{out.stdout[-3000:]}")
        return out.returncode == 0

    def forget() -> None:
        _run(["dkms", "remove", f"ramster/{ver}", "--all"], repo, env)
        shutil.rmtree(f"/usr/src/ramster-{ver}", ignore_errors=True)

    forget()
    try:
        if made_moddir:
            moddir.mkdir(parents=True)
            (moddir / "build").symlink_to(kdir)
        if (step("make", "dkms-add")
                and step("dkms", "build", f"ramster/{ver}", "-k", release)
                and step("dkms", "install", f"ramster/{ver}", "-k", release)):
            problems += _module_problems(moddir / "updates/dkms/ramster.ko", release, repo, env)
    finally:
        forget()
        if made_moddir:
            shutil.rmtree(moddir, ignore_errors=True)
    return problems


def headers_build(repo: Path, kdir: Path, release: str, env: dict) -> list:
    """ramster.ko against what a linux-headers package of the kernel holds: the layout the
    kernel's own scripts/package/install-extmod-build makes (bindeb-pkg's linux-headers), with
    tools/kernel/deb-patches applied to that script as package.sh applies them, made from the
    test kernel's tree (the same source and series, so the same Rust crates). Returns what is
    wrong. The deb-patches must touch only that script (it is patched alone, in a copy)."""
    problems = []
    with tempfile.TemporaryDirectory(prefix="ramster-headers-") as tmp:
        src = Path(tmp) / "src"
        script = src / "scripts/package/install-extmod-build"
        script.parent.mkdir(parents=True)
        shutil.copy(kdir / "scripts/package/install-extmod-build", script)
        for patch in sorted((repo / "tools/kernel/deb-patches").glob("*.patch")):
            out = _run(["patch", "-p1", "--forward", "--batch", "-d", str(src), "-i", str(patch)],
                       repo, env)
            if out.returncode != 0:
                return [f"{patch.name} does not apply to install-extmod-build:\n{out.stdout}"]
        headers = Path(tmp) / "headers"
        out = subprocess.run(["sh", str(script), str(headers)], cwd=kdir, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             env=dict(env, srctree=".", SRCARCH="x86", CC="clang-19",
                                      HOSTCC="clang-19", MAKE="make"))
        if out.returncode != 0:
            return [f"install-extmod-build failed:\n{out.stdout[-3000:]}"]
        make = ["make", "-C", str(headers), f"M={repo}", "LLVM=-19"]
        _run(make + ["clean"], repo, env)
        out = _run(make + ["modules"], repo, env)
        if out.returncode != 0:
            problems.append(f"make -C <headers> M=... modules failed:\n{out.stdout[-3000:]}")
        else:
            problems += _module_problems(repo / "ramster.ko", release, repo, env)
        _run(make + ["clean"], repo, env)
    return problems
