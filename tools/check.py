#!/usr/bin/env python3
"""`make check`: everything that can fail, counted.

Host tests (cargo test, the harness's own tests), lints (rustfmt, clippy on host and kernel
code, checkpatch on C), Documentation/*.rst parsed by docutils, the hook series' kernel
documentation (make htmldocs of the mm pages),
the module build with no warnings, then every VM scenario, then the
scenarios marked `# kasan:` again on the KASAN kernel, then make install and DKMS, then the
packaged kernel's configuration step (tools/kernel/package.sh --config-only). Each host
test and each scenario counts once; the output ends with the line `N passed, N failed`.
"""

import os
import re
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "vm"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import artifacts  # noqa: E402
import packaging_check  # noqa: E402
import run  # noqa: E402

REPO = artifacts.REPO
passed = failed = 0


def record(ok: bool, name: str, detail: str = "") -> bool:
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
    print(f"{'PASS' if ok else 'FAIL'} {name}", flush=True)
    if detail and not ok:
        print("     " + detail.strip().replace("\n", "\n     ")[-4000:], flush=True)
    return ok


def sh(cmd, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=REPO, env=artifacts.env(), text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **kw)


def cargo_tests():
    """Runs cargo test for the workspace and counts each test."""
    global passed, failed
    out = sh(["cargo", "test", "--workspace", "--locked"])
    results = re.findall(r"test result: \w+\. (\d+) passed; (\d+) failed", out.stdout)
    for line in out.stdout.splitlines():
        if re.match(r"test .* \.\.\. FAILED", line):
            print("FAIL cargo:" + line[5:].split(" ...")[0])
    if out.returncode != 0 and not any(int(f) for _, f in results):
        record(False, "cargo test (did not build or run)", out.stdout)
        return
    n_pass = sum(int(p) for p, _ in results)
    n_fail = sum(int(f) for _, f in results)
    print(f"{'PASS' if n_fail == 0 else 'FAIL'} cargo test: {n_pass} passed, {n_fail} failed",
          flush=True)
    if n_fail:
        print("     " + out.stdout[-3000:].replace("\n", "\n     "))
    passed += n_pass
    failed += n_fail


def harness_tests():
    """The VM harness's and the benchmark report's own Python tests, counted one by one."""
    global passed, failed
    suite = unittest.TestSuite()
    for folder in ("tools/vm", "tools/bench"):
        suite.addTests(unittest.defaultTestLoader.discover(str(REPO / folder), pattern="test_*.py",
                                                           top_level_dir=str(REPO / folder)))
    result = unittest.TextTestRunner(stream=sys.stdout, verbosity=0).run(suite)
    bad = len(result.failures) + len(result.errors)
    passed += result.testsRun - bad
    failed += bad
    print(f"{'PASS' if bad == 0 else 'FAIL'} harness tests: {result.testsRun - bad} passed, "
          f"{bad} failed", flush=True)


# The cargo-fuzz targets (tools/fuzz/fuzz_targets/) and what each fuzzes.
FUZZ_TARGETS = {
    "frame_decoder": "cluster frame decoder, handshake and connection",
    "frame_mac": "cluster frame MAC, with and without encryption",
    "peer": "cluster peer: connection with heartbeat",
    "waiters": "cluster waiter table",
    "foreign": "foreign-page server (hostile clients' tmem requests)",
}


def fuzz(seconds: int = 25):
    """Every fuzz target (each file of tools/fuzz/fuzz_targets/) under cargo-fuzz for `seconds`
    each (about 2 minutes in all), one line per target; a crash fails it."""
    targets = sorted(p.stem for p in (REPO / "tools/fuzz/fuzz_targets").glob("*.rs"))
    for target in targets:
        what = FUZZ_TARGETS.get(target, target)
        out = sh(["tools/fuzz/run.sh", str(seconds), target])
        record(out.returncode == 0, f"fuzz: {what} ({target}), {seconds} s without a crash",
               out.stdout[-3000:])


def lints(kdir: Path):
    fmt = sh(["cargo", "fmt", "--all", "--check"])
    kfmt = sh(["rustfmt", "--check", "--edition", "2021", "--config-path", "rustfmt.toml",
               "src/ramster_main.rs"])
    record(fmt.returncode == 0 and kfmt.returncode == 0, "lint: rustfmt", fmt.stdout + kfmt.stdout)
    clippy = sh(["cargo", "clippy", "--workspace", "--all-targets", "--locked", "--",
                 "-D", "warnings"])
    record(clippy.returncode == 0, "lint: cargo clippy (host)", clippy.stdout)
    c_files = sorted(str(p.relative_to(REPO)) for p in (REPO / "src/shim").glob("*.[ch]"))
    cp = sh(["perl", str(kdir / "scripts/checkpatch.pl"), "--no-tree", "--quiet", "-f", *c_files])
    record(cp.returncode == 0 and not cp.stdout.strip(), "lint: checkpatch (C shims)", cp.stdout)
    patches = sorted(str(p) for p in (REPO / "tools/kernel/patches").glob("*.patch"))
    if patches:
        cp = sh(["perl", str(kdir / "scripts/checkpatch.pl"), "--no-tree", "--quiet", *patches])
        record(cp.returncode == 0 and not cp.stdout.strip(), "lint: checkpatch (kernel patches)",
               cp.stdout)


# The pages the hook series adds to the kernel's Documentation/mm/.
HOOK_DOCS = ("frontswap", "cleancache")


def kernel_docs(kdir: Path):
    """`make htmldocs SPHINXDIRS=mm` of the patched tree (into a scratch directory): the hook
    series' pages must build, with no warning or error that names them."""
    with tempfile.TemporaryDirectory(prefix="ramster-htmldocs-") as out:
        docs = sh(["make", "-C", str(kdir), "ARCH=x86_64", "LLVM=-19", "htmldocs",
                   "SPHINXDIRS=mm", f"BUILDDIR={out}"])
        built = [name for name in HOOK_DOCS if (Path(out) / "mm" / f"{name}.html").is_file()]
    complaints = [line for line in docs.stdout.splitlines()
                  if re.search(r"WARNING|ERROR|CRITICAL", line)
                  and any(name in line for name in HOOK_DOCS)]
    record(docs.returncode == 0 and len(built) == len(HOOK_DOCS) and not complaints,
           "kernel docs: make htmldocs SPHINXDIRS=mm builds "
           f"{', '.join(n + '.rst' for n in HOOK_DOCS)} without warnings",
           "\n".join(complaints) or f"built: {built}\n{docs.stdout[-3000:]}")


def rst_pages():
    """Every Documentation/*.rst parses with docutils without a warning (a malformed table, a
    broken title): what GitHub's renderer and Sphinx would stumble on. After the kernel tree,
    whose set-up installs python3-sphinx (and with it docutils)."""
    import io
    try:
        import docutils.core
    except ImportError:
        record(False, "docs: docutils is missing (pip install docutils)")
        return
    problems = []
    for page in sorted((REPO / "Documentation").glob("*.rst")):
        warnings = io.StringIO()
        docutils.core.publish_doctree(
            page.read_text(), source_path=str(page.relative_to(REPO)),
            settings_overrides={"report_level": 2, "halt_level": 5, "warning_stream": warnings})
        if warnings.getvalue():
            problems.append(warnings.getvalue())
    record(not problems, "docs: every Documentation/*.rst parses without docutils warnings",
           "\n".join(problems)[:3000])


def kasan_pass():
    """The scenarios with a `# kasan:` header again, on the KASAN flavor of the test kernel
    (its own cached build), with ramster.ko and hooktest.ko rebuilt against it."""
    global passed, failed
    try:
        kdir = (Path(os.environ["KASAN_KDIR"]) if os.environ.get("KASAN_KDIR")
                else artifacts.kernel_tree("kasan"))
    except subprocess.CalledProcessError:
        record(False, "KASAN test kernel builds (see messages above)")
        return
    print(f"KASAN test kernel: {kdir}", flush=True)
    sh(["make", "-C", str(kdir), f"M={REPO}", "LLVM=-19", "clean"])
    build = artifacts.build_module(kdir, clippy=False)
    if record(build.returncode == 0, "kernel: ramster.ko builds against the KASAN kernel",
              build.stdout):
        outcomes = run.run_all(kdir, report=lambda line: print(line, flush=True), kasan=True)
        passed += sum(o.passed for o in outcomes)
        failed += sum(not o.passed for o in outcomes)


def packaging(kdir: Path):
    """make install into a scratch DESTDIR, then DKMS add/build/install for the test kernel,
    then ramster.ko against the files a linux-headers package holds (tools/packaging_check.py).
    Last, after the KASAN pass: make install rebuilds ramster.ko for the test kernel."""
    release = artifacts.kernel_release(kdir)
    problems = packaging_check.make_install(REPO, kdir, release, artifacts.env())
    record(not problems, "install: make install puts ramster.ko (depmod run), ramster-tools, its "
           "manual page and completions under DESTDIR", "\n".join(problems))
    problems = packaging_check.dkms(REPO, kdir, release, artifacts.env())
    record(not problems, f"install: dkms add, build and install ramster for {release}",
           "\n".join(problems))
    problems = packaging_check.headers_build(REPO, kdir, release, artifacts.env())
    record(not problems, "install: ramster.ko builds against a linux-headers package's files "
           "(install-extmod-build with tools/kernel/deb-patches, from the test kernel)",
           "\n".join(problems))


def kernel_package_config():
    """`tools/kernel/package.sh --config-only`: the packaged kernel's tree (linux-source-6.12,
    the hook series and deb-patches/, Debian's configuration with distro.fragment) is made afresh
    and configured; a patch that does not apply or an option of the fragment that olddefconfig
    drops fails it. About a minute: the package build itself (hours) is not run."""
    out = sh(["tools/kernel/package.sh", "--config-only"])
    record(out.returncode == 0, "kernel packages: the series applies to Debian's linux-source and "
           "Debian's config keeps every option of distro.fragment (package.sh --config-only)",
           out.stdout[-3000:])


# The largest stack frame a function of ramster.ko may have. Kernel stacks are 16 KiB and, without
# VMAP_STACK (the test kernel, like tinyconfig, has none), an overflow silently corrupts the memory
# below the stack: a 12.5 KiB module init once did, and user processes crashed (a page table and a
# kernel stack's saved registers overwritten). The kernel warns at 2048 bytes for C
# (CONFIG_FRAME_WARN); two constructors are a little above that.
STACK_FRAME_LIMIT = 2560


def stack_frames(ko: Path) -> list:
    """The functions of `ko` whose stack frame is above STACK_FRAME_LIMIT, as "BYTES NAME"."""
    out = sh(["llvm-objdump-19", "-d", "--demangle", "--no-show-raw-insn", str(ko)])
    big, function = [], "?"
    for line in out.stdout.splitlines():
        name = re.match(r"^[0-9a-f]+ <(.*)>:$", line)
        if name:
            function = name.group(1)
            continue
        frame = re.search(r"\bsub\w*\s+\$0x([0-9a-f]+), ?%rsp", line)
        if frame and int(frame.group(1), 16) > STACK_FRAME_LIMIT:
            big.append(f"{int(frame.group(1), 16)} {function}")
    return big if out.returncode == 0 else [f"llvm-objdump failed: {out.stdout[-500:]}"]


def main() -> int:
    global passed, failed
    cargo_tests()
    harness_tests()
    fuzz()
    try:
        kdir = Path(os.environ["KDIR"]) if os.environ.get("KDIR") else artifacts.kernel_tree()
    except subprocess.CalledProcessError:
        record(False, "test kernel builds (see messages above)")
        print(f"{passed} passed, {failed} failed")
        return 1
    print(f"test kernel: {kdir}", flush=True)
    lints(kdir)
    rst_pages()
    kernel_docs(kdir)
    sh(["make", "-C", str(kdir), f"M={REPO}", "LLVM=-19", "clean"])
    build = artifacts.build_module(kdir, clippy=True)
    warnings = artifacts.build_warnings(build.stdout)
    built = record(build.returncode == 0 and not warnings,
                   "kernel: ramster.ko builds with clippy and no warnings",
                   "\n".join(warnings) or build.stdout)
    if built:
        big = stack_frames(REPO / "ramster.ko")
        record(not big, f"kernel: no stack frame in ramster.ko above {STACK_FRAME_LIMIT} bytes",
               "\n".join(big))
        outcomes = run.run_all(kdir, report=lambda line: print(line, flush=True))
        passed += sum(o.passed for o in outcomes)
        failed += sum(not o.passed for o in outcomes)
    kasan_pass()
    packaging(kdir)
    kernel_package_config()
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
