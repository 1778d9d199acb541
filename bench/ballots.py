"""Ballot API throughput and latency under load, against gunicorn and PostgreSQL.

    scripts/with-postgres.sh .venv/bin/python bench/ballots.py [--rounds 3] [--duration 5] [--clients 16]

(`make bench` runs it that way.) The run prepares the database named by DATABASE_URL (migrate, the
demo city, fresh delegates' invitation codes), starts gunicorn with two workers on a free port and
loads it with concurrent clients: the trivial `GET /api/v1/ping/`, the baseline, and
`POST /api/v1/ballots/<code>/` with a whole delegates' ballot (40 city organs × overall + 4
dimensions, plus the profile questions), each code used once. Each phase has an unmeasured warm-up
and then runs for a fixed time or until its requests are used up, whichever comes first. The two
phases run in rounds, alternating which goes first; the ratio is the median of the rounds' ratios,
because a shared machine's speed drifts by tens of percent within a minute. A cast
ballot is stored as one pending row; after the load, the run settles them into ballots with their
answer rows (`surveys.ballots.ballots_settle`) and prints that rate too: the work casting no longer does.

Targets: ballot throughput ≥ 0.5 × ping throughput, ballot p99 latency < 100 ms. A missed target
is printed, not an error; the exit status is non-zero only when something went wrong (a ballot not
answered 201, a ping not 2xx, a connection error, or the database not holding one ballot per 201).

The client: one OS process per concurrent client (multiprocessing, fork), each a closed loop over
a plain blocking socket speaking minimal HTTP/1.1 with pre-encoded requests: no GIL shared between
clients, no http.client/email.parser work per response, keep-alive when the server offers it
(gthread) and a new connection per request when it closes (sync workers). Latency is measured from before connect/send to the last byte of the body. The
CPU time of gunicorn, of PostgreSQL and of the clients per request is printed, and so is what
other programs took, so a client bottleneck or a busy machine shows.

It writes to the database (the demo city, invitations, ballots): use a throw-away one only.
"""
import argparse
import io
import json
import multiprocessing
import os
import platform
import random
import resource
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CAMPAIGN = "demo-2026"
GROUP = "delegates"
DIMENSIONS = ("attitude", "efficiency", "lawful", "integrity")
PING_PATH = "/api/v1/ping/"
PING_NAME, BALLOT_NAME = "GET  /api/v1/ping/", "POST /api/v1/ballots/<code>/"
TARGET_RATIO = 0.5
TARGET_P99_MS = 100.0


# --- Environment and database ------------------------------------------------------------------

def server_env() -> dict:
    """The environment of this process (for manage-style work) and of gunicorn."""
    env = dict(os.environ)
    env.update({
        "DJANGO_SETTINGS_MODULE": "minping.settings.base",
        "DEBUG": "0",
        "SECRET_KEY": env.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DB_CONN_MAX_AGE": "60",
        "LOG_LEVEL": "WARNING",
    })
    return env


def prepare_database(codes_needed: int, seed_ballots: int) -> tuple[list[str], int]:
    """Migrate, load the demo (once), issue `codes_needed` delegates' codes; return them and the
    number of the group's ballots before the run."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from surveys import demo, services
    from surveys.models import Ballot, EvaluatorGroup

    call_command("migrate", interactive=False, verbosity=0)
    if not demo.demo_exists():
        call_command("seed_demo", ballots=seed_ballots, seed=1, verbosity=0, stdout=io.StringIO())
    group = EvaluatorGroup.objects.select_related("campaign").get(campaign__slug=CAMPAIGN, key=GROUP)
    # The run casts far more ballots than the demo city has delegates (500): no population, no limit.
    EvaluatorGroup.objects.filter(pk=group.pk).update(population_size=None)
    group.population_size = None
    codes: list[str] = []
    while len(codes) < codes_needed:
        count = min(codes_needed - len(codes), services.MAX_INVITATIONS_PER_CALL)
        codes += services.invitations_issue(group=group, count=count, actor="bench")
    before = Ballot.objects.filter(group=group).count()
    connections.close_all()   # before the clients fork
    return codes, before


def ballots_stored() -> int:
    """The group's ballots: written out, or cast and waiting to be settled."""
    from django.db import connections

    from surveys.models import Ballot, PendingBallot

    count = sum(model.objects.filter(group__campaign__slug=CAMPAIGN, group__key=GROUP).count()
                for model in (Ballot, PendingBallot))
    connections.close_all()
    return count


def settle_stored() -> dict:
    """Settle what the run cast (one process, as `manage.py settle_ballots` would); time it and check
    that every packed answer became a row."""
    from django.db import connections

    from surveys.ballots import ballots_settle
    from surveys.models import Answer, Campaign, PendingBallot

    campaign = Campaign.objects.get(slug=CAMPAIGN)
    pending = PendingBallot.objects.filter(campaign=campaign)
    packed = sum(len(json.loads(answers)) for answers in pending.values_list("answers", flat=True).iterator())
    answers_before = Answer.objects.filter(ballot__campaign=campaign).count()
    started, cpu = time.monotonic(), time.process_time()
    settled = ballots_settle(campaign_id=campaign.id, min_batch=1)   # all of them, to time the whole work
    seconds, cpu = time.monotonic() - started, time.process_time() - cpu
    written = Answer.objects.filter(ballot__campaign=campaign).count() - answers_before
    left = pending.count()
    connections.close_all()
    return {"ballots": settled, "seconds": seconds, "cpu": cpu, "ok": written == packed and left == 0,
            "written": written, "packed": packed}


def ballot_bodies(variants: int = 8) -> list[bytes]:
    """A few whole delegates' ballots (random grades), pre-encoded; every request uses one of them."""
    from surveys.models import EvaluatorGroup

    group = EvaluatorGroup.objects.get(campaign__slug=CAMPAIGN, key=GROUP)
    units = list(group.units.filter(active=True).order_by("code").values_list("code", flat=True))
    rng = random.Random(1)
    bodies = []
    for _ in range(variants):
        answers = []
        for unit in units:
            answers.append({"question": "overall", "unit": unit, "value": rng.choice("2345")})
            answers += [{"question": q, "unit": unit, "value": rng.choice("12345")} for q in DIMENSIONS]
        answers += [{"question": "district", "unit": None, "value": rng.choice(["D1", "D2", "D3"])},
                    {"question": "age", "unit": None, "value": "35-59"},
                    {"question": "sex", "unit": None, "value": rng.choice("MF")}]
        bodies.append(json.dumps({"answers": answers}, separators=(",", ":")).encode())
    return bodies


# --- gunicorn ------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(env: dict, port: int, workers: int, threads: int, log, extra=()) -> subprocess.Popen:
    cmd = [str(ROOT / ".venv/bin/gunicorn"), "minping.wsgi", "--chdir", str(ROOT), "--bind", f"127.0.0.1:{port}",
           "--workers", str(workers), "--log-level", "warning", "--timeout", "60", "--graceful-timeout", "10"]
    if threads:
        cmd += ["--worker-class", "gthread", "--threads", str(threads), "--keep-alive", "5"]
    else:
        cmd += ["--worker-class", "sync"]
    if os.path.isdir("/dev/shm"):
        cmd += ["--worker-tmp-dir", "/dev/shm"]
    cmd += list(extra)
    return subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def wait_ready(proc: subprocess.Popen, port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{PING_PATH}", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer {PING_PATH} within {timeout:.0f} s")


def stop_gunicorn(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)   # graceful: workers finish their request and exit
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# --- The client ----------------------------------------------------------------------------------

class Conn:
    """Minimal HTTP/1.1 over one blocking socket: keep-alive when allowed, reconnect when closed."""

    def __init__(self, port: int):
        self.port = port
        self.sock = None

    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def request(self, raw: bytes) -> tuple[int, bytes]:
        if self.sock is None:
            self.sock = socket.create_connection(("127.0.0.1", self.port))
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock = self.sock
        sock.sendall(raw)
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed before the response headers")
            buf += chunk
        head, _, body = buf.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length, close = None, False
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection" and value.strip().lower() == b"close":
                close = True
        if length is None:   # no length: the body runs to the end of the connection
            close = True
            while chunk := sock.recv(65536):
                body += chunk
        else:
            while len(body) < length:
                chunk = sock.recv(65536)
                if not chunk:
                    raise ConnectionError("connection closed inside the response body")
                body += chunk
        if close:
            self.close()
        return status, body


def encode_request(method: str, path: str, body: bytes = b"") -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: minping-bench\r\nAccept: application/json\r\n"
    if method == "POST":
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    return (head + "\r\n").encode() + body


def client(port, warmup_requests, measured_requests, duration, warmed, go, results):
    """One concurrent client: warm-up, wait for the others, then the measured closed loop."""
    conn = Conn(port)
    out = {"latencies": [], "statuses": {}, "errors": [], "samples": [], "start": 0.0, "end": 0.0, "cpu": 0.0}
    try:
        out["warmup"] = 0
        for raw, expected in warmup_requests:
            status, body = conn.request(raw)
            if status == expected:
                out["warmup"] += 1
            else:
                out["errors"].append(f"warm-up: HTTP {status}: {body[:300]!r}")
        warmed.wait(timeout=180)
        go.wait(timeout=60)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        start = time.monotonic()
        deadline = start + duration
        latencies, statuses = out["latencies"], out["statuses"]
        clock = time.perf_counter
        for raw, expected in measured_requests:
            t0 = clock()
            try:
                status, body = conn.request(raw)
            except OSError as error:
                conn.close()
                out["errors"].append(f"{type(error).__name__}: {error}")
                continue
            latencies.append(clock() - t0)
            statuses[status] = statuses.get(status, 0) + 1
            if status != expected and len(out["samples"]) < 3:
                out["samples"].append(f"HTTP {status}: {body[:300]!r}")
            if time.monotonic() >= deadline:
                break
        out["start"], out["end"] = start, time.monotonic()
        after = resource.getrusage(resource.RUSAGE_SELF)
        out["cpu"] = (after.ru_utime - usage.ru_utime) + (after.ru_stime - usage.ru_stime)
    except Exception as error:   # reported by the parent
        out["errors"].append(f"client failed: {type(error).__name__}: {error}")
        warmed.abort()
        go.abort()
    finally:
        conn.close()
        results.put(out)


def cpu_busy() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine, from /proc/stat (steal counts as neither)."""
    user, nice, system, idle, iowait, irq, softirq = (int(x) for x in Path("/proc/stat").read_text().split()[1:8])
    busy = user + nice + system + irq + softirq
    return busy, busy + idle + iowait


def process_cpu(pids) -> float:
    """CPU seconds (user + system) used so far by the processes `pids`."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])   # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def gunicorn_pids(master: int) -> list[int]:
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    except OSError:
        children = []
    return [master] + [int(c) for c in children]


def postgres_pids() -> list[int]:
    """The processes of the benchmark's PostgreSQL cluster: postmaster, background processes and the
    backends (gunicorn's persistent connections among them), not this process's own connection."""
    from django.db import connection, connections

    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE pid <> pg_backend_pid()")
        pids = [row[0] for row in cursor.fetchall()]
    connections.close_all()
    if pids:
        try:
            pids.append(int(Path(f"/proc/{pids[0]}/stat").read_text().rsplit(")", 1)[1].split()[1]))   # postmaster
        except (OSError, ValueError):
            pass
    return pids


def latency_figures(latencies: list[float]) -> dict:
    """Latencies in seconds, sorted here, with their p50/p90/p99/max in milliseconds."""
    latencies = sorted(latencies)

    def percentile(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 if latencies else float("nan")

    return {"latencies": latencies, "p50": percentile(0.50), "p90": percentile(0.90), "p99": percentile(0.99),
            "max": latencies[-1] * 1000 if latencies else float("nan")}


def summed_statuses(counts: list[dict[int, int]]) -> dict[int, int]:
    statuses: dict[int, int] = {}
    for status_counts in counts:
        for status, n in status_counts.items():
            statuses[status] = statuses.get(status, 0) + n
    return statuses


def pooled(phases: list[dict]) -> dict:
    """One endpoint's phases of all rounds as one: counts, CPU and time added, latencies pooled."""
    total = {key: sum(p[key] for p in phases)
             for key in ("requests", "ok", "bad", "warmup_ok", "elapsed", "client_cpu", "server_cpu", "db_cpu")}
    return {**total, "name": phases[0]["name"], "statuses": summed_statuses([p["statuses"] for p in phases]),
            "errors": [e for p in phases for e in p["errors"]], "samples": [x for p in phases for x in p["samples"]][:3],
            "rate": total["ok"] / total["elapsed"],
            **latency_figures([x for p in phases for x in p["latencies"]]),
            "machine_busy": sum(p["machine_busy"] * p["elapsed"] for p in phases) / total["elapsed"]}


def run_phase(name, port, clients, warmup, measured, duration, expected, server_pids=()):
    """`warmup`/`measured`: one list of encoded requests per client. Returns the phase's figures."""
    ctx = multiprocessing.get_context("fork")
    warmed, go = ctx.Barrier(clients + 1), ctx.Barrier(clients + 1)
    results = ctx.Queue()
    procs = [ctx.Process(target=client, daemon=True,
                         args=(port, [(r, expected) for r in warmup[i]], [(r, expected) for r in measured[i]],
                               duration, warmed, go, results))
             for i in range(clients)]
    for p in procs:
        p.start()
    try:
        warmed.wait(timeout=180)
        db_pids = postgres_pids()   # after the warm-up: the workers are connected
        busy0, total0 = cpu_busy()
        server0, db0 = process_cpu(server_pids), process_cpu(db_pids)
        go.wait(timeout=60)
    except threading.BrokenBarrierError as error:
        outs = [results.get(timeout=10) for _ in procs]
        reasons = "; ".join(e for o in outs for e in o["errors"][:1])
        raise RuntimeError(f"{name}: a client failed during the warm-up: {reasons}") from error
    outs = [results.get(timeout=duration + 120) for _ in procs]
    busy1, total1 = cpu_busy()
    server1, db1 = process_cpu(server_pids), process_cpu(db_pids)
    for p in procs:
        p.join(timeout=10)
    latency = latency_figures([x for o in outs for x in o["latencies"]])
    statuses = summed_statuses([o["statuses"] for o in outs])
    start = min(o["start"] for o in outs)
    end = max(o["end"] for o in outs)
    elapsed = max(end - start, 1e-9)
    ok = statuses.get(expected, 0)

    return {
        "name": name, "requests": len(latency["latencies"]), "ok": ok, "statuses": statuses,
        "bad": len(latency["latencies"]) - ok, "errors": [e for o in outs for e in o["errors"]],
        "samples": [s for o in outs for s in o["samples"]][:3],
        "warmup_ok": sum(o.get("warmup", 0) for o in outs),
        "elapsed": elapsed, "rate": ok / elapsed,
        **latency,
        "client_cpu": sum(o["cpu"] for o in outs),
        "server_cpu": server1 - server0,
        "db_cpu": db1 - db0,
        "machine_busy": (busy1 - busy0) / max(total1 - total0, 1),
    }


# --- Main ----------------------------------------------------------------------------------------

def machine_line() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"machine: nproc={nproc}, {model}, Python {platform.python_version()}, {platform.system()} {platform.release()}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (processes), default 16")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds of a ping phase and a ballot phase (alternating which goes first), default 3")
    parser.add_argument("--duration", type=float, default=5.0, help="measured seconds per phase, default 5")
    parser.add_argument("--max-ballots", type=int, default=6000, help="cap on measured ballots per round, default 6000")
    parser.add_argument("--max-pings", type=int, default=40000, help="cap on measured pings per round, default 40000")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers, default 2")
    parser.add_argument("--threads", type=int, default=0,
                        help="gunicorn gthread threads per worker; 0 (default) = sync workers")
    parser.add_argument("--gunicorn-arg", action="append", default=[], metavar="ARG",
                        help="extra gunicorn argument (repeatable), e.g. --gunicorn-arg=--config=/tmp/hooks.py")
    parser.add_argument("--seed-ballots", type=int, default=2000, help="demo ballots to seed, default 2000")
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres") or urllib.parse.urlsplit(url).hostname not in ("127.0.0.1", "localhost", "::1"):
        print("DATABASE_URL must point at a throw-away PostgreSQL on this machine: run\n"
              "  scripts/with-postgres.sh .venv/bin/python bench/ballots.py", file=sys.stderr)
        return 2
    env = server_env()
    os.environ.update({k: env[k] for k in ("DJANGO_SETTINGS_MODULE", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS",
                                           "DB_CONN_MAX_AGE", "LOG_LEVEL")})
    n = args.clients
    ballot_warmup, ping_warmup = 5, 50
    per_client = -(-args.max_ballots // n)

    started = time.monotonic()
    codes, before = prepare_database(args.rounds * n * (ballot_warmup + per_client), args.seed_ballots)
    bodies = ballot_bodies()
    from django.db import connections

    connections.close_all()
    print(f"database ready in {time.monotonic() - started:.1f} s: {len(codes)} delegates' codes issued, "
          f"{len(bodies[0])} bytes per ballot", flush=True)

    def ballot_requests(codes_slice):
        return [encode_request("POST", f"/api/v1/ballots/{code}/", bodies[i % len(bodies)])
                for i, code in enumerate(codes_slice)]

    it = iter(codes)
    ballot_rounds = [([ballot_requests([next(it) for _ in range(ballot_warmup)]) for _ in range(n)],
                      [ballot_requests([next(it) for _ in range(per_client)]) for _ in range(n)])
                     for _ in range(args.rounds)]
    ping = encode_request("GET", PING_PATH)
    ping_warm = [[ping] * ping_warmup for _ in range(n)]
    ping_measured = [[ping] * -(-args.max_pings // n) for _ in range(n)]

    port = free_port()
    server = f"gunicorn {args.workers} " + (f"gthread workers × {args.threads} threads" if args.threads
                                             else "sync workers") + "".join(f" {a}" for a in args.gunicorn_arg)
    log = tempfile.NamedTemporaryFile(prefix="minping-bench-gunicorn-", suffix=".log", delete=False)
    proc = start_gunicorn(env, port, args.workers, args.threads, log, args.gunicorn_arg)
    failed = False
    try:
        wait_ready(proc, port)
        pids = gunicorn_pids(proc.pid)
        rounds = []
        for number, (ballot_warm, ballot_measured) in enumerate(ballot_rounds):
            plan = {"ping": (PING_NAME, ping_warm, ping_measured, 200),
                      "ballot": (BALLOT_NAME, ballot_warm, ballot_measured, 201)}
            # Alternating which phase goes first keeps a machine that slows down or speeds up during the
            # run from favouring one endpoint.
            order = ("ping", "ballot") if number % 2 == 0 else ("ballot", "ping")
            done = {which: run_phase(plan[which][0], port, n, plan[which][1], plan[which][2], args.duration,
                                     plan[which][3], pids) for which in order}
            rounds.append((done["ping"], done["ballot"]))
    except Exception:
        failed = True
        raise
    finally:
        stop_gunicorn(proc)
        log.close()
        text = Path(log.name).read_text(errors="replace").strip()
        if failed and text:
            print("gunicorn log (tail):\n" + "\n".join(text.splitlines()[-30:]), file=sys.stderr)
        os.unlink(log.name)

    phases = [pooled([r[0] for r in rounds]), pooled([r[1] for r in rounds])]
    ping_phase, ballot_phase = phases
    after = ballots_stored()
    stored = after - before
    created = ballot_phase["ok"] + ballot_phase["warmup_ok"]

    print()
    print(machine_line())
    print(f"server: {server} on 127.0.0.1, PostgreSQL (DATABASE_URL), DB_CONN_MAX_AGE=60; "
          f"client: {n} processes, raw HTTP/1.1 sockets; {args.rounds} rounds of a ping and a ballot phase, "
          f"{args.duration:g} s each after warm-up")
    print("req/s counts the expected answers (200 ping, 201 ballot); latency from connect/send to the last byte")
    header = f"{'endpoint':<30} {'requests':>8} {'non-2xx':>7} {'req/s':>8} {'p50 ms':>7} {'p90 ms':>7} {'p99 ms':>7} {'max ms':>7}"
    print(header)
    print("-" * len(header))
    for p in phases:
        non2xx = sum(c for s, c in p["statuses"].items() if not 200 <= s < 300)
        print(f"{p['name']:<30} {p['requests']:>8} {non2xx:>7} {p['rate']:>8.1f} {p['p50']:>7.1f} {p['p90']:>7.1f} "
              f"{p['p99']:>7.1f} {p['max']:>7.1f}")
    print("-" * len(header))
    cores = len(os.sched_getaffinity(0))
    print(f"{'CPU ms per request':<30} {'gunicorn':>8} {'postgres':>8} {'client':>7} {'other':>7}   machine busy")
    for p in phases:
        per = max(p["requests"], 1)
        machine = p["machine_busy"] * p["elapsed"] * cores
        other = machine - p["server_cpu"] - p["db_cpu"] - p["client_cpu"]    # kernel, other programs
        print(f"{p['name']:<30} {p['server_cpu'] / per * 1000:>8.2f} {p['db_cpu'] / per * 1000:>8.2f} "
              f"{p['client_cpu'] / per * 1000:>7.2f} {other / per * 1000:>7.2f}   "
              f"{p['machine_busy'] * 100:.0f}% of {cores} CPUs for {p['elapsed']:.1f} s")
    other_share = sum(p["machine_busy"] * p["elapsed"] * cores - p["server_cpu"] - p["db_cpu"] - p["client_cpu"]
                      for p in phases) / sum(p["elapsed"] * cores for p in phases)
    if other_share > 0.15:
        print(f"warning: other programs (and the kernel) took {other_share * 100:.0f}% of the machine's CPU during "
              "the measurement: the figures are lower than on a quiet machine")
    ratios = [b["rate"] / p["rate"] if p["rate"] else float("nan") for p, b in rounds]
    for number, ((p, b), ratio) in enumerate(zip(rounds, ratios, strict=True), start=1):
        print(f"round {number}: ping {p['rate']:.0f} req/s, ballots {b['rate']:.0f}/s (p99 {b['p99']:.1f} ms), "
              f"ratio {ratio:.2f}")
    ratio = statistics.median(ratios)   # the machine's speed drifts between rounds: the middle one
    ratio_ok = ratio >= TARGET_RATIO
    p99_ok = ballot_phase["p99"] < TARGET_P99_MS
    print(f"ballot/ping throughput ratio: {ratio:.2f}, the median of {len(ratios)} rounds "
          f"({min(ratios):.2f}–{max(ratios):.2f}) (target ≥ {TARGET_RATIO}) "
          f"{'ok' if ratio_ok else '*** TARGET MISSED ***'}")
    print(f"ballot p99 latency: {ballot_phase['p99']:.1f} ms (target < {TARGET_P99_MS:g} ms) "
          f"{'ok' if p99_ok else '*** TARGET MISSED ***'}")
    print(f"database: {stored} ballots stored during the run, {created} answered 201 (warm-up included) "
          f"{'ok' if stored == created else '*** MISMATCH ***'}")
    settle = settle_stored()
    print(f"settling afterwards (not in the ratio): {settle['ballots']} ballots, {settle['written']} answer rows in "
          f"{settle['seconds']:.1f} s = {settle['ballots'] / max(settle['seconds'], 1e-9):.0f} ballots/s in one process "
          f"({settle['cpu'] / max(settle['ballots'], 1) * 1000:.2f} ms Python CPU per ballot) "
          f"{'ok' if settle['ok'] else '*** ANSWERS LOST ***'}")

    status = 0
    for p in phases:
        if p["bad"] or p["errors"]:
            status = 1
            print(f"ERROR {p['name']}: {p['bad']} unexpected responses {p['statuses']}, "
                  f"{len(p['errors'])} errors", file=sys.stderr)
            for line in (p["samples"] + p["errors"])[:5]:
                print("  " + line, file=sys.stderr)
    if not settle["ok"]:
        status = 1
        print(f"ERROR: {settle['packed']} answers were pending but settling wrote {settle['written']}", file=sys.stderr)
    if stored != created:
        status = 1
        print(f"ERROR: {stored} ballots stored but {created} responses were 201", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
