"""Builds the test initramfs: busybox, ramster.ko, the static test programs, the scenarios."""

import gzip
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
BUSYBOX = Path("/bin/busybox")
# /etc/modprobe.d/ramster.conf in the image.
MODPROBE_CONF = "options ramster test_messages=1\n"
# /etc/passwd and /etc/group in the image: root, and nobody for the scenarios that read files
# unprivileged (`as_nobody` in scenarios/lib.sh runs busybox su, which needs them).
PASSWD = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n"
GROUP = "root:x:0:\nnogroup:x:65534:\n"


def _busybox_applets() -> list:
    out = subprocess.run([str(BUSYBOX), "--list"], check=True, capture_output=True, text=True)
    return out.stdout.split()


def build(out: Path, kernel_release: str, modules: list, programs: list,
          extra: dict = None) -> Path:
    """Writes a gzip'd newc cpio to `out` and returns it.

    `modules` are .ko files placed in /lib/modules/<release>/extra with a modules.dep so busybox
    modprobe finds them, and /etc/modprobe.d/ramster.conf turns test_messages on;
    `programs` go to /usr/bin. `extra` maps more paths in the image (e.g.
    "bench/configs/x.env") to a Path (a file or folder, copied) or a str (the file's text);
    shell scripts (*.sh) among them are made executable.
    """
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for d in ("bin", "sbin", "usr/bin", "proc", "sys", "dev", "tmp", "mnt", "etc", "root"):
            (root / d).mkdir(parents=True, exist_ok=True)
        shutil.copy2(BUSYBOX, root / "bin/busybox")
        for applet in _busybox_applets():
            if applet != "busybox":
                (root / "bin" / applet).symlink_to("busybox")
        shutil.copy2(HERE / "guest/init.sh", root / "init")
        shutil.copytree(HERE / "scenarios", root / "scenarios")
        shutil.copytree(HERE / "demo", root / "demo")
        # The service script where `make install` puts it (PREFIX=/usr).
        (root / "usr/lib/ramster").mkdir(parents=True)
        shutil.copy2(HERE.parent / "service/ramster-service", root / "usr/lib/ramster")
        moddir = root / "lib/modules" / kernel_release
        (moddir / "extra").mkdir(parents=True)
        deps = []
        for ko in modules:
            shutil.copy2(ko, moddir / "extra" / Path(ko).name)
            deps.append(f"extra/{Path(ko).name}:\n")
        (moddir / "modules.dep").write_text("".join(deps))
        # Every modprobe in the test VMs (scenarios, demo, bench) loads ramster with its test
        # message types and test-only debugfs files; insmod, and an explicit test_messages= on
        # the modprobe command line (given after these options), still choose.
        (root / "etc/modprobe.d").mkdir(parents=True)
        (root / "etc/modprobe.d/ramster.conf").write_text(MODPROBE_CONF)
        (root / "etc/passwd").write_text(PASSWD)
        (root / "etc/group").write_text(GROUP)
        for prog in programs:
            shutil.copy2(prog, root / "usr/bin" / Path(prog).name)
        for dest, src in (extra or {}).items():
            target = root / dest
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(src, str):
                target.write_text(src)
            elif Path(src).is_dir():
                shutil.copytree(src, target, dirs_exist_ok=True)
            else:
                shutil.copy2(src, target)
        for path in [root / "init", *root.glob("scenarios/*.sh"), *root.glob("demo/*.sh"),
                     *root.glob("bench/**/*.sh")]:
            os.chmod(path, 0o755)
        names = subprocess.run(["find", ".", "-mindepth", "1"], cwd=root, check=True,
                               capture_output=True, text=True).stdout
        cpio = subprocess.run(["cpio", "-o", "-H", "newc", "--quiet", "--owner=0:0"], cwd=root,
                              input=names.encode(), check=True, capture_output=True).stdout
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(gzip.compress(cpio, compresslevel=1))
    return out
