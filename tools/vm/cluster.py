"""Boots one or two test nodes under QEMU (TCG) and waits for them to end by themselves.

Each node has a virtio-blk scratch disk (/dev/vda), then any read-only disks it is given
(/dev/vdb, ...: the swap benchmark's page corpus), and, in a two-node cluster, a virtio-net
link to the other node over a QEMU socket netdev on host loopback: UDP datagrams by default
(no host-side Nagle and delayed-ACK stalls between the two QEMUs, which add tens of
milliseconds to every multi-packet exchange over `link="tcp"`, a TCP stream). Guests use
link-local addresses 169.254.0.1 (node 0) and 169.254.0.2 (node 1); nothing leaves the host.
Consoles are written to <log_dir>/node<N>.log. A node that has not ended by the timeout is
killed.
"""

import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

QEMU = "qemu-system-x86_64"


@dataclass
class NodeRun:
    node: int
    log: Path
    timed_out: bool
    exit_code: int


def _free_port(kind=socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def qemu_command(node: int, nodes: int, bzimage: Path, initramfs: Path, memory: str,
                 disk: Path, log: Path, append: str, port, smp: int = 2,
                 link: str = "udp", capture: Path = None, cpus: int = 0,
                 readonly_disks=()) -> list:
    """`port`: the TCP port node 0 listens on, or with `link="udp"` a pair of UDP ports (node
    0's, node 1's). `capture`: a pcap file for what this node's link carries both ways.
    `cpus`: the guest's CPUs, each a socket of its own (`-smp N,sockets=N,cores=1`: the test
    kernel has no ACPI, and finds the other CPUs of a plain `-smp N` in no table it reads, so
    it boots one); 0 keeps `-smp smp` (one CPU for this kernel). `readonly_disks`: raw image
    files attached read-only after the scratch disk, in order (/dev/vdb, /dev/vdc, ...)."""
    topology = f"{cpus},sockets={cpus},cores=1,threads=1" if cpus else str(smp)
    # no_timer_check: a starved TCG vCPU (a busy host, or QEMU at nice 19) can fail the boot-time
    # IO-APIC timer check and panic ("IO-APIC + timer doesn't work!"); it proves nothing in a VM.
    cmdline = (f"console=ttyS0 panic=-1 oops=panic loglevel=7 no_timer_check "
               f"node={node} nodes={nodes} {append}").strip()
    cmd = [QEMU, "-accel", "tcg", "-cpu", "max", "-smp", topology, "-m", memory,
           "-nodefaults", "-no-reboot", "-display", "none", "-monitor", "none",
           "-kernel", str(bzimage), "-initrd", str(initramfs), "-append", cmdline,
           "-serial", f"file:{log}",
           "-drive", f"file={disk},if=virtio,format=raw,cache=unsafe"]
    for image in readonly_disks:
        cmd += ["-drive", f"file={image},if=virtio,format=raw,readonly=on"]
    if nodes == 2:
        if link == "udp":
            mine, peer = port if node == 0 else port[::-1]
            side = f"udp=127.0.0.1:{peer},localaddr=127.0.0.1:{mine}"
        else:
            side = f"listen=127.0.0.1:{port}" if node == 0 else f"connect=127.0.0.1:{port}"
        cmd += ["-netdev", f"socket,id=link,{side}",
                "-device", f"virtio-net-pci,netdev=link,mac=52:54:00:00:00:0{node + 1}"]
        if capture:
            cmd += ["-object", f"filter-dump,id=capture,netdev=link,file={capture}"]
    return cmd


def boot(nodes: int, bzimage: Path, initramfs: Path, log_dir: Path, memory: str = "256M",
         disk_size: str = "1G", append: str = "", timeout: int = 180,
         on_start=None, link: str = "udp", capture: bool = False, cpus: int = 0,
         readonly_disks=()) -> list:
    """Runs the cluster to its end; returns one NodeRun per node.

    `readonly_disks`: image files every node gets read-only as /dev/vdb, /dev/vdc, ...

    With `capture`, node 0's link is recorded to `log_dir`/link.pcap (see wire.py).

    `append` is a string for every node, or a list with one string per node. `on_start`, if
    given, is called with the list of Popen objects once every node has started (the demo uses
    it to watch the consoles live).
    """
    log_dir.mkdir(parents=True, exist_ok=True)
    appends = append if isinstance(append, list) else [append] * nodes
    port = (_free_port(socket.SOCK_DGRAM), _free_port(socket.SOCK_DGRAM)) if link == "udp" \
        else _free_port()
    procs, logs = [], []
    try:
        for node in range(nodes):
            disk = log_dir / f"node{node}.img"
            disk.unlink(missing_ok=True)
            subprocess.run(["truncate", "-s", disk_size, str(disk)], check=True)
            log = log_dir / f"node{node}.log"
            log.unlink(missing_ok=True)
            pcap = log_dir / "link.pcap" if capture and node == 0 else None
            if pcap:
                pcap.unlink(missing_ok=True)
            cmd = qemu_command(node, nodes, bzimage, initramfs, memory, disk, log,
                               appends[node], port, link=link, capture=pcap, cpus=cpus,
                               readonly_disks=readonly_disks)
            (log_dir / f"node{node}.cmd").write_text(" ".join(cmd) + "\n")
            procs.append(subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                          stdout=subprocess.DEVNULL,
                                          stderr=open(log_dir / f"node{node}.qemu.err", "w")))
            logs.append(log)
            if node == 0 and nodes == 2:
                time.sleep(0.5)  # node 1 connects to node 0's listening socket
        if on_start:
            on_start(procs, logs)
        deadline = time.monotonic() + timeout
        runs = []
        for node, proc in enumerate(procs):
            try:
                code = proc.wait(timeout=max(0.1, deadline - time.monotonic()))
                runs.append(NodeRun(node, logs[node], False, code))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                runs.append(NodeRun(node, logs[node], True, -9))
        return runs
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        for node in range(len(procs)):
            (log_dir / f"node{node}.img").unlink(missing_ok=True)
