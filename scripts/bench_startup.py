#!/usr/bin/env python3
"""Start-up time and memory of the daemon, for scripts/bench.sh (see docs/BENCHMARKS.md).

Compares, in one run, the daemon (`java [options] -jar kms-plugin.jar serve`, embedded KMaaS, a
fresh state file each start) under three sets of JVM options:
  none            plain `java -jar`
  shipped         `java @jvm.options` (the file every launcher uses)
  shipped+AppCDS  the same plus `-XX:SharedArchiveFile`, the archive made first by
                  make-cds-archive.sh beside the jar (as scripts/run-daemon.sh and the image do)
For each: wall time from process start to the first successful KMS v2 Status over the socket
(median of RUNS; the runs of the three sets and of a bare `java` hello-world are interleaved, so a
change in the machine's load hits all of them alike), the daemon's CPU time (user+sys from
/proc/<pid>/stat) at that moment, which depends less on the load than wall time, and the 1-minute
load average before each run. Then, per set, one daemon: VmRSS idle, peak VmRSS and threads while
`kms-plugin bench` drives it with LOAD_CONCURRENCY clients, VmRSS after, and the bench's calls/s
and failed calls. The Status call is a hand-made gRPC request over HTTP/2 (no client JVM to
start), so only the daemon is timed.

The daemon serves its health HTTP on 127.0.0.1:0, as shipped daemons serve it (on a fixed port).

usage: bench_startup.py JAR [RUNS]                   (RUNS default 9; jvm.options and
                                                     make-cds-archive.sh beside the jar)
       bench_startup.py JAR once [JVM options...]    (start, first Status, stop; e.g. to write
                                                     an AppCDS archive at exit)
environment: LOAD_CONCURRENCY (64), LOAD_DURATION (10s), IDLE_SECONDS (5), JSON=1 for one JSON
object instead of the Markdown tables.
"""
import json
import os
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time

TICK = os.sysconf("SC_CLK_TCK")


def frame(kind, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", stream) + payload


def literal(name, value):
    # HPACK literal header field without indexing, new name, no Huffman coding
    n, v = name.encode(), value.encode()
    assert len(n) < 127 and len(v) < 127
    return b"\x00" + bytes([len(n)]) + n + bytes([len(v)]) + v


def status_ok(path):
    """One KMS v2 Status call; True when a response message arrives."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(2)
    try:
        s.connect(path)
        headers = b"".join(
            literal(k, v)
            for k, v in [
                (":method", "POST"),
                (":scheme", "http"),
                (":path", "/v2.KeyManagementService/Status"),
                (":authority", "localhost"),
                ("content-type", "application/grpc"),
                ("te", "trailers"),
            ]
        )
        s.sendall(
            b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
            + frame(4, 0, 0)  # SETTINGS
            + frame(1, 4, 1, headers)  # HEADERS, END_HEADERS
            + frame(0, 1, 1, b"\x00\x00\x00\x00\x00")  # DATA: empty StatusRequest, END_STREAM
        )
        buf = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return False
            buf += chunk
            while len(buf) >= 9:
                length = int.from_bytes(buf[0:3], "big")
                if len(buf) < 9 + length:
                    break
                kind, stream = buf[3], int.from_bytes(buf[5:9], "big") & 0x7FFFFFFF
                if kind == 4 and not (buf[4] & 1):
                    s.sendall(frame(4, 1, 0))  # SETTINGS ack
                if kind == 0 and stream == 1 and length > 5:
                    return True  # a StatusResponse message
                if kind == 3 or kind == 7:  # RST_STREAM, GOAWAY
                    return False
                if kind == 1 and stream == 1 and (buf[4] & 1):
                    return False  # trailers-only: an error
                buf = buf[9 + length :]
    except OSError:
        return False
    finally:
        s.close()


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def cpu_ms(pid):
    """User + system CPU time of the process so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 // TICK


def threads(pid):
    return len(os.listdir(f"/proc/{pid}/task"))


def load1():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def start_daemon(jar, jvm, workdir):
    """Starts the daemon; returns (process, socket path, seconds to first Status, CPU ms then)."""
    sock = os.path.join(workdir, "kms.sock")
    cmd = ["java", *jvm, "-jar", jar, "serve", "--bind", "unix://" + sock,
           "--state-file", os.path.join(workdir, "kmaas.json"),
           "--http-address", "127.0.0.1:0", "--log-level", "warn"]
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        if proc.poll() is not None:
            raise SystemExit("daemon exited with " + str(proc.returncode) + ": " + " ".join(cmd))
        if os.path.exists(sock) and status_ok(sock):
            return proc, sock, time.monotonic() - t0, cpu_ms(proc.pid)
        if time.monotonic() - t0 > 60:
            proc.kill()
            raise SystemExit("no Status within 60s")
        time.sleep(0.005)


def stop(proc):
    proc.terminate()
    proc.wait(30)


def hello_world_dir():
    d = tempfile.mkdtemp(prefix="hello-")
    with open(os.path.join(d, "Hello.java"), "w") as f:
        f.write('class Hello { public static void main(String[] a) { System.out.println("hi"); } }\n')
    subprocess.run(["javac", "-d", d, os.path.join(d, "Hello.java")], check=True)
    return d


def hello_world(d):
    """(wall seconds, CPU ms) of one bare `java Hello`."""
    t0 = time.monotonic()
    proc = subprocess.Popen(["java", "-cp", d, "Hello"], stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit("hello-world failed")
    return wall, round((usage.ru_utime + usage.ru_stime) * 1000)


def memory(jar, jvm, idle_seconds, concurrency, duration):
    """RSS idle, under a bench load, and after it, for one fresh daemon."""
    with tempfile.TemporaryDirectory(prefix="kms-rss-") as d:
        proc, sock, _, _ = start_daemon(jar, jvm, d)
        try:
            time.sleep(idle_seconds)
            out = {"rssIdleMiB": round(rss_kib(proc.pid) / 1024), "threadsIdle": threads(proc.pid),
                   "loadAverage": load1()}
            load = subprocess.Popen(
                ["java", "-jar", jar, "bench", "--endpoint", "unix://" + sock,
                 "--concurrency", str(concurrency), "--duration", duration, "--warmup", "2s",
                 "-o", "json"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            peak, peak_threads = 0, 0
            while load.poll() is None:
                peak = max(peak, rss_kib(proc.pid))
                peak_threads = max(peak_threads, threads(proc.pid))
                time.sleep(0.1)
            report = load.stdout.read()
            out["rssPeakUnderLoadMiB"] = round(peak / 1024)
            out["rssAfterLoadMiB"] = round(rss_kib(proc.pid) / 1024)
            out["threadsPeakUnderLoad"] = peak_threads
            out["loadExit"] = load.returncode
            try:
                result = json.loads(report)
                out["loadCallsPerSecond"] = round(
                    sum(op["callsPerSecond"] for op in result["operations"].values()))
                out["loadFailedCalls"] = result["errors"]
            except (ValueError, KeyError):
                out["loadCallsPerSecond"], out["loadFailedCalls"] = None, None
            out["daemonAlive"] = proc.poll() is None
            return out
        finally:
            stop(proc)


def median(values):
    return round(statistics.median(values))


def markdown(result):
    lines = [
        f"Start-up: median of {result['runs']} interleaved runs; load average (1 min) "
        f"{result['loadAverageMin']}–{result['loadAverageMax']} during them; AppCDS archive "
        f"{result['archiveMiB']} MiB.",
        "",
        "| JVM options    | start → first Status (median) | CPU at first Status (median) | runs (ms) |",
        "|----------------|------------------------------:|-----------------------------:|-----------|",
    ]
    for name, c in result["sets"].items():
        lines.append(f"| {name:<14} | {c['startToFirstStatusMedianMs']:>26} ms | "
                     f"{c['cpuAtFirstStatusMedianMs']:>25} ms | "
                     f"{' '.join(str(t) for t in c['startToFirstStatusRunsMs'])} |")
    h = result["helloWorld"]
    lines.append(f"| hello-world    | {h['medianMs']:>26} ms | {h['cpuMedianMs']:>25} ms | "
                 f"{' '.join(str(t) for t in h['runsMs'])} |")
    lines += [
        "",
        f"Memory: one daemon per set; idle {result['idleSeconds']} s after the first Status, then "
        f"`bench --concurrency {result['loadConcurrency']} --duration {result['loadDuration']}` "
        "(status, encrypt, decrypt).",
        "",
        "| JVM options    | RSS idle | RSS peak under load | RSS after load | threads idle/peak "
        "| load calls/s | failed | load average |",
        "|----------------|---------:|--------------------:|---------------:|------------------:"
        "|-------------:|-------:|-------------:|",
    ]
    for name, c in result["sets"].items():
        m = c["memory"]
        lines.append(f"| {name:<14} | {m['rssIdleMiB']:>4} MiB | {m['rssPeakUnderLoadMiB']:>15} MiB | "
                     f"{m['rssAfterLoadMiB']:>10} MiB | {m['threadsIdle']:>7} / {m['threadsPeakUnderLoad']:<7} | "
                     f"{m['loadCallsPerSecond']} | {m['loadFailedCalls']} | {m['loadAverage']} |")
    return "\n".join(lines)


def main():
    jar = sys.argv[1]
    if len(sys.argv) > 2 and sys.argv[2] == "once":
        with tempfile.TemporaryDirectory(prefix="kms-once-") as d:
            proc, _, t, cpu = start_daemon(jar, sys.argv[3:], d)
            stop(proc)
        print(json.dumps({"startToFirstStatusMs": round(t * 1000), "cpuAtFirstStatusMs": cpu}))
        return
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 9
    dist = os.path.dirname(os.path.abspath(jar))
    options = os.path.join(dist, "jvm.options")
    if not os.path.isfile(options):
        raise SystemExit(options + " is missing (the build copies it beside the jar)")
    concurrency = int(os.environ.get("LOAD_CONCURRENCY", "64"))
    duration = os.environ.get("LOAD_DURATION", "10s")
    idle_seconds = float(os.environ.get("IDLE_SECONDS", "5"))

    archive = os.path.join(dist, "kms-plugin.jsa")
    subprocess.run(["sh", os.path.join(dist, "make-cds-archive.sh"), dist], check=True,
                   stdout=subprocess.DEVNULL)
    jar = os.path.join(dist, os.path.basename(jar))  # the path the archive was made with
    sets = {
        "none": [],
        "shipped": ["@" + options],
        "shipped+AppCDS": ["@" + options, "-XX:SharedArchiveFile=" + archive],
    }
    hello = hello_world_dir()
    samples = {name: {"wall": [], "cpu": []} for name in sets}
    hello_wall, hello_cpu, loads = [], [], []
    for _ in range(runs):
        for name, jvm in sets.items():
            loads.append(load1())
            with tempfile.TemporaryDirectory(prefix="kms-start-") as d:
                proc, _, t, cpu = start_daemon(jar, jvm, d)
                stop(proc)
            samples[name]["wall"].append(round(t * 1000))
            samples[name]["cpu"].append(cpu)
        loads.append(load1())
        wall, cpu = hello_world(hello)
        hello_wall.append(round(wall * 1000))
        hello_cpu.append(cpu)
    result = {
        "runs": runs,
        "options": options,
        "archiveMiB": round(os.path.getsize(archive) / 1048576),
        "loadAverageMin": min(loads),
        "loadAverageMax": max(loads),
        "idleSeconds": idle_seconds,
        "loadConcurrency": concurrency,
        "loadDuration": duration,
        "helloWorld": {"medianMs": median(hello_wall), "runsMs": hello_wall,
                       "cpuMedianMs": median(hello_cpu)},
        "sets": {},
    }
    for name, jvm in sets.items():
        result["sets"][name] = {
            "jvmOptions": " ".join(jvm) or "(none)",
            "startToFirstStatusMedianMs": median(samples[name]["wall"]),
            "startToFirstStatusRunsMs": samples[name]["wall"],
            "cpuAtFirstStatusMedianMs": median(samples[name]["cpu"]),
            "memory": memory(jar, jvm, idle_seconds, concurrency, duration),
        }
    print(json.dumps(result) if os.environ.get("JSON") else markdown(result))


if __name__ == "__main__":
    main()
