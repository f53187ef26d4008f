#!/usr/bin/env python3
"""Start-up time and memory of the daemon, for scripts/bench.sh (see docs/BENCHMARKS.md).

Times `java ... -jar kms-plugin.jar serve` from process start to the first successful KMS v2
Status over its socket (median of N runs, each with a fresh embedded-KMaaS state file), next to a
bare `java` hello-world; then reads VmRSS idle and after a `bench` load. The Status call is a
hand-made gRPC request over HTTP/2 (no client JVM to start), so only the daemon is timed.

usage: bench_startup.py JAR RUNS [extra JVM options...]
       bench_startup.py JAR once [extra JVM options...]   (start, first Status, stop; e.g. to
                                                          write an AppCDS archive at exit)
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


def start_daemon(jar, jvm, workdir):
    sock = os.path.join(workdir, "kms.sock")
    cmd = ["java", *jvm, "-jar", jar, "serve", "--bind", "unix://" + sock,
           "--state-file", os.path.join(workdir, "kmaas.json"),
           "--http-address", "off", "--log-level", "warn"]
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        if proc.poll() is not None:
            raise SystemExit("daemon exited with " + str(proc.returncode) + ": " + " ".join(cmd))
        if os.path.exists(sock) and status_ok(sock):
            return proc, sock, time.monotonic() - t0
        if time.monotonic() - t0 > 60:
            proc.kill()
            raise SystemExit("no Status within 60s")
        time.sleep(0.005)


def stop(proc):
    proc.terminate()
    proc.wait(30)


def hello_world_seconds(runs):
    d = tempfile.mkdtemp(prefix="hello-")
    with open(os.path.join(d, "Hello.java"), "w") as f:
        f.write('class Hello { public static void main(String[] a) { System.out.println("hi"); } }\n')
    subprocess.run(["javac", "-d", d, os.path.join(d, "Hello.java")], check=True)
    times = []
    for _ in range(runs):
        t0 = time.monotonic()
        subprocess.run(["java", "-cp", d, "Hello"], check=True, stdout=subprocess.DEVNULL)
        times.append(time.monotonic() - t0)
    return statistics.median(times)


def main():
    jar, jvm = sys.argv[1], sys.argv[3:]
    if sys.argv[2] == "once":
        with tempfile.TemporaryDirectory(prefix="kms-once-") as d:
            proc, _, t = start_daemon(jar, jvm, d)
            stop(proc)
        print(json.dumps({"startToFirstStatusMs": round(t * 1000)}))
        return
    runs = int(sys.argv[2])
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="kms-start-") as d:
            proc, _, t = start_daemon(jar, jvm, d)
            times.append(t)
            stop(proc)
    result = {
        "jvmOptions": " ".join(jvm) or "(none)",
        "startToFirstStatusMedianMs": round(statistics.median(times) * 1000),
        "startToFirstStatusRunsMs": [round(t * 1000) for t in times],
        "helloWorldMedianMs": round(hello_world_seconds(runs) * 1000),
    }
    with tempfile.TemporaryDirectory(prefix="kms-rss-") as d:
        proc, sock, _ = start_daemon(jar, jvm, d)
        time.sleep(3)
        result["rssIdleMiB"] = round(rss_kib(proc.pid) / 1024)
        load = subprocess.run(
            ["java", "-jar", jar, "bench", "--endpoint", "unix://" + sock, "--duration", "10s",
             "--warmup", "2s", "-o", "json"], capture_output=True, text=True)
        result["rssAfterLoadMiB"] = round(rss_kib(proc.pid) / 1024)
        result["loadExit"] = load.returncode
        stop(proc)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
