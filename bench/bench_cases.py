"""Online case submission: POST /api/v1/cases over HTTP (gunicorn) against the same writes in raw SQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:54377/postgres \\
      .venv/bin/python -m bench.bench_cases [--clients 16] [--seconds 20] [--workers 2,3,4]

PostgreSQL only (without a PostgreSQL DATABASE_URL it says so and exits 0). It creates a database
`onewindow_bench_cases` on that server (dropping one left by an interrupted run), migrates it, loads
the demo city, publishes one district-level item with a three-field form and one material the
registry supplies, signs in N residents, and drops the database at the end. It starts gunicorn on
127.0.0.1 for each worker count tried, and stops it. Prints a table and writes
bench/results/cases-submit.json. A measurement, not a test: see bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bench.bench_search import say, setup_django

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
BENCH_DATABASE = "onewindow_bench_cases"
ITEM_CODE = "BENCH-SUBMIT"
GOAL_RATE, GOAL_P99_MS, GOAL_RATIO = 300, 100.0, 0.2
GOAL = f">= {GOAL_RATE}/s, p99 <= {GOAL_P99_MS:.0f} ms, HTTP/raw >= {GOAL_RATIO}"
# Tables a submission writes to; their row counts before and after each phase show what one
# submission wrote, so the raw SQL baseline can be checked to write exactly the same rows.
WRITTEN_TABLES = (
    "cases_case",
    "cases_casehistory",
    "cases_casematerial",
    "cases_idempotencykey",
    "audit_auditevent",
    "notifications_notification",
    "notifications_delivery",
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["建国", "秀英", "桂英", "志强", "丽娟", "海燕", "国华", "晓东", "慧敏", "红梅", "文杰", "淑珍"]


# --- shared with bench_queue ------------------------------------------------------------------------


def postgres_server() -> str | None:
    """DATABASE_URL's server as a psycopg URL, or None (with a message) when it is not PostgreSQL."""
    given = os.environ.get("DATABASE_URL", "")
    if urlsplit(given).scheme not in {"postgres", "postgresql", "pgsql"}:
        say("This benchmark needs PostgreSQL: set DATABASE_URL=postgres://user@host:port/db (a role with")
        say("CREATEDB; it works in a database of its own and drops it at the end). Nothing was run.")
        return None
    return urlunsplit(urlsplit(given)._replace(scheme="postgresql"))  # psycopg does not know `pgsql://`


@contextmanager
def throwaway_postgres(server: str, name: str, *, keep: bool = False) -> Iterator[str]:
    """Point DATABASE_URL at a new database `name` on `server`; yield its URL; drop it at the end."""
    import psycopg

    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name}")  # left by an interrupted run
        connection.execute(f"CREATE DATABASE {name}")
    given = os.environ.get("DATABASE_URL", "")
    url = urlunsplit(urlsplit(server)._replace(path=f"/{name}"))
    os.environ["DATABASE_URL"] = url
    try:
        yield url
    finally:
        from django.db import connections

        connections.close_all()
        os.environ["DATABASE_URL"] = given
        if keep:
            say(f"kept database {name} (--keep)")
        else:
            with psycopg.connect(server, autocommit=True) as connection:
                connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def nearest_rank(ordered: list[float], share: float) -> float:
    """Nearest-rank percentile of sorted samples: with 1 000 samples, p99 is the 990th, a real observation."""
    return ordered[max(0, round(share * len(ordered)) - 1)] if ordered else float("nan")


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}"


def database_facts() -> dict[str, str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        facts = {"database": str(cursor.fetchone()[0])}
        for setting in ("fsync", "synchronous_commit", "shared_buffers", "max_connections"):
            cursor.execute(f"SHOW {setting}")
            facts[setting] = str(cursor.fetchone()[0])
    return facts


def machine_busy(seconds: float = 1.0) -> float:
    """Share of both CPUs busy over `seconds`, in percent (Linux /proc/stat; 0 when unreadable)."""
    first = machine_cpu_ticks()
    time.sleep(seconds)
    last = machine_cpu_ticks()
    total = last["total"] - first["total"]
    return 100 * (1 - (last["idle"] - first["idle"]) / total) if total else 0.0


def quiet_wait(*, limit_s: float = 120, threshold: float = 20.0) -> float:
    """Wait (at most `limit_s`) until the machine is idle, so that a test run or a build elsewhere
    does not end up in the figures; returns the busy share just before the measurement."""
    deadline = time.monotonic() + limit_s
    busy = machine_busy()
    waited = False
    while busy > threshold and time.monotonic() < deadline:
        waited = True
        sys.stderr.write(f"\r  waiting for the machine to be idle: {busy:5.1f} % busy")
        sys.stderr.flush()
        busy = machine_busy(2.0)
    if waited:
        sys.stderr.write("\n")
    if busy > threshold:
        say(f"  the machine is still {busy:.0f} % busy with something else: these figures will be pessimistic")
    return round(busy, 1)


def demo_city_load() -> Any:
    """The demo city (core/demo/xian.json): districts, departments, communities, staff."""
    from django.conf import settings
    from django.test.utils import override_settings

    from core.demo import DEFAULT_DEMO_FILE, demo_data_load
    from core.models import City

    # Nobody signs in with a password here (sessions come from force_login), so the demo accounts
    # get a fast hash instead of PBKDF2's deliberate second each.
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        demo_data_load(path=DEFAULT_DEMO_FILE, password=settings.ONEWINDOW_DEMO_PASSWORD)
    return City.objects.get(code="610100")


def item_publish_for_bench(*, city: Any, code: str, kind: str, level: str, name: str) -> Any:
    """A published item with a three-field form and one material the registry supplies (no upload)."""
    from catalogue.models import ServiceItem
    from catalogue.services import item_create, item_publish

    content = {
        "name": name,
        "summary": "基准测试用事项。",
        "statutory_days": 20,
        "promised_days": 10,
        "kind": "promise",
        "max_visits": 0,
        "process_steps": [{"name": "网上申请", "on_site": False}],
        "form_definition": [
            {"name": "applicant_name", "label": "申请人", "type": "text", "required": True,
             "registry_fact": "identity"},
            {"name": "phone", "label": "联系电话", "type": "text", "required": True, "registry_fact": "mobile"},
            {"name": "members", "label": "家庭人口", "type": "number", "required": True, "min": 1, "max": 20},
        ],
        "materials": [{"name": "户口簿", "form": "electronic", "registry_fact": "household"}],
    }  # fmt: skip
    item = item_create(actor=None, city=city, code=code, department_kind=kind, handling_level=level, content=content)
    item_publish(actor=None, version=item.versions.get())
    return ServiceItem.objects.select_related("current_version").get(pk=item.pk)


# --- the world of this benchmark ---------------------------------------------------------------------


@dataclass(frozen=True)
class Applicant:
    user_id: int
    resident_id: int
    department_id: int
    name: str
    mobile: str
    session: str
    csrf: str = ""


def residents_create(*, city: Any, count: int, rng: random.Random) -> list[Any]:
    """`count` residents who sign in (username = mobile), spread over the city's communities."""
    from django.contrib.auth.hashers import make_password

    from accounts.models import Role, User
    from core.identity import make_citizen_id
    from core.models import Community
    from residents.models import Resident, Sex

    communities = list(Community.objects.select_related("subdistrict__district").order_by("code"))
    users = User.objects.bulk_create(
        User(username=f"137{n:08d}", mobile=f"137{n:08d}", role=Role.RESIDENT, city=city,
             password=make_password(None))
        for n in range(count)
    )  # fmt: skip
    residents, seen = [], set()
    for n, user in enumerate(users):
        community = communities[n % len(communities)]
        sex = Sex.MALE if n % 2 else Sex.FEMALE
        birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(20_000))
        number = make_citizen_id(
            region_code=community.subdistrict.district.code, birth_date=birth, sex=sex, sequence=n % 100, rng=rng
        )
        while number in seen:
            number = make_citizen_id(region_code=number[:6], birth_date=birth, sex=sex, rng=rng)
        seen.add(number)
        residents.append(
            Resident(city=city, user=user, name=rng.choice(SURNAMES) + rng.choice(GIVEN), id_number=number,
                     birth_date=birth, sex=sex, mobile=user.mobile, community=community)
        )  # fmt: skip
    return Resident.objects.bulk_create(residents)


def registry_facts_record(*, residents: list[Any], city: Any) -> None:
    """The household registration of each resident in the shared registry, so that the item's
    registry-backed material needs no upload. Before the registry existed (no residents.registry),
    a material with a registry_fact needed no record, and this does nothing."""
    try:
        from residents.registry import fact_record
    except ImportError:
        return
    from core.models import Department

    police = Department.objects.get(city=city, district=None, kind="public_security")
    for resident in residents:
        fact_record(actor=None, resident=resident, category="household", value={"relation": "head"},
                    assurance="verified", source_department=police)  # fmt: skip


def applicants_sign_in(*, residents: list[Any], item: Any) -> list[Applicant]:
    """A session per resident, made as a real sign-in makes it (django.contrib.auth.login)."""
    from django.test import Client

    from cases.routing import route_case

    applicants = []
    for resident in residents:
        client = Client()
        client.force_login(resident.user, backend="django.contrib.auth.backends.ModelBackend")
        applicants.append(
            Applicant(user_id=resident.user_id, resident_id=resident.pk, name=resident.name, mobile=resident.mobile,
                      department_id=route_case(item=item, resident=resident).pk,
                      session=client.cookies["sessionid"].value)
        )  # fmt: skip
    return applicants


def payload_of(applicant: Applicant) -> bytes:
    form = {"applicant_name": applicant.name, "phone": applicant.mobile, "members": 3}
    return json.dumps({"item_code": ITEM_CODE, "form_data": form, "submit": True}, ensure_ascii=False).encode()


def queries_per_submission(applicant: Applicant) -> dict[str, Any]:
    """One submission in-process, with its queries counted: all of them, and those that run while
    the day's case-number counter row is locked (from `_next_number` to the commit), if the case
    number comes from that row; or "sequence" when it comes from a PostgreSQL sequence (nextval)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    client.cookies["sessionid"] = applicant.session
    with CaptureQueriesContext(connection) as captured:
        response = client.post(
            "/api/v1/cases", payload_of(applicant), content_type="application/json",
            headers={"Idempotency-Key": f"probe-{uuid.uuid4().hex}"},
        )  # fmt: skip
    if response.status_code != 201:
        raise SystemExit(f"the probe submission failed: {response.status_code} {response.content[:300]!r}")
    sqls = [q["sql"] for q in captured.captured_queries]
    committed_at = max(n for n, sql in enumerate(sqls) if "cases_idempotencykey" in sql and "INSERT" in sql)
    locked = [n for n, sql in enumerate(sqls) if "cases_casenumbercounter" in sql and "FOR UPDATE" in sql]
    sequence = next((sql.split("nextval(")[1].split(")")[0].strip("'\"") for sql in sqls if "nextval(" in sql), "")
    return {
        "total": len(sqls),
        "numbering": f"sequence {sequence}" if sequence and not locked else "counter row",
        "sequence": sequence if not locked else "",
        "holding_counter_lock": committed_at - locked[0] + 1 if locked else 0,
    }


def numbering_said(queries: dict[str, Any]) -> str:
    if queries["holding_counter_lock"]:
        return f"{queries['holding_counter_lock']} of them while the day's case-number counter row is locked"
    return f"the case number from the {queries['numbering']} (no lock)"


def table_counts() -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        counts = {}
        for table in WRITTEN_TABLES:
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - table names are constants above
            counts[table] = int(cursor.fetchone()[0])
    return counts


# --- load ----------------------------------------------------------------------------------------


@dataclass
class Phase:
    """One timed run: warm-up then measurement, `clients` threads, bounded in time and count."""

    label: str
    clients: int
    warmup_s: float
    measure_s: float
    max_requests: int
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)  # every request, warm-up included
    measured_statuses: Counter[str] = field(default_factory=Counter)
    done: int = 0
    errors: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def run(
        self,
        client: Callable[[int, Callable[[], bool], Callable[[float, float, str], None]], None],
        sample: Callable[[], None] | None = None,
    ) -> None:
        """Start the client threads and show a running count; `sample` is called every half second
        of the measurement (to watch the database and the CPU)."""
        started = time.perf_counter()
        measure_from = started + self.warmup_s
        deadline = measure_from + self.measure_s

        def go_on() -> bool:
            return time.perf_counter() < deadline and self.done < self.max_requests

        def record(began: float, elapsed_ms: float, status: str) -> None:
            with self.lock:
                self.done += 1
                self.statuses[status] += 1
                ok = status.startswith("2")
                self.errors += not ok
                if began >= measure_from:
                    self.measured_statuses[status] += 1
                    if ok:
                        self.latencies_ms.append(elapsed_ms)

        threads = [threading.Thread(target=client, args=(n, go_on, record), daemon=True) for n in range(self.clients)]
        for thread in threads:
            thread.start()
        total = self.warmup_s + self.measure_s
        give_up = deadline + 60  # a request times out after 30 s: nothing should still run by then
        alive = threads
        while alive and time.perf_counter() < give_up:
            alive[0].join(timeout=0.5)
            alive = [thread for thread in alive if thread.is_alive()]
            now = time.perf_counter()
            stage = "warm-up" if now < measure_from else "measuring" if now < deadline else "finishing"
            if sample is not None and measure_from <= now < deadline:
                sample()
            sys.stderr.write(
                f"\r  {self.label}: {stage:<9} {min(now - started, total):5.1f}/{total:.0f} s  "
                f"{self.done:>8,} requests  {self.errors:,} errors"
            )
            sys.stderr.flush()
        sys.stderr.write("\n")
        if alive:
            say(f"  {len(alive)} client threads still waiting after the time limit; counted as unfinished")

    def summary(self) -> dict[str, Any]:
        ordered = sorted(self.latencies_ms)
        ok = sum(n for status, n in self.measured_statuses.items() if status.startswith("2"))
        return {
            "clients": self.clients,
            "measured_seconds": self.measure_s,
            "per_second": round(ok / self.measure_s, 1),
            "p50_ms": round(nearest_rank(ordered, 0.50), 2),
            "p99_ms": round(nearest_rank(ordered, 0.99), 2),
            "max_ms": round(ordered[-1], 2) if ordered else None,
            "measured_ok": ok,
            "measured_errors": sum(self.measured_statuses.values()) - ok,
            "all_statuses": dict(self.statuses),
        }


class Watch:
    """What the machine does during a measurement, sampled every half second: how busy the CPUs are,
    the CPU time of the app server, of the database backends and of this load generator, and how
    many backends are running or waiting on a lock (the day's case-number counter row)."""

    def __init__(self, database_url: str, server_pid: int | None = None) -> None:
        import psycopg

        self.connection = psycopg.connect(database_url, autocommit=True)
        self.server_pid = server_pid
        self.first: dict[str, float] | None = None
        self.last: dict[str, float] = {}
        self.active: list[int] = []
        self.waiting: list[int] = []

    def __call__(self) -> None:
        rows = self.connection.execute(
            "SELECT pid, state = 'active', wait_event_type = 'Lock' FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
        self.active.append(sum(1 for _pid, active, _lock in rows if active))
        self.waiting.append(sum(1 for _pid, _active, lock in rows if lock))
        app = _children(self.server_pid) if self.server_pid else []
        snapshot = {
            "wall": time.perf_counter(),
            **machine_cpu_ticks(),
            "app": sum(process_cpu_seconds(pid) for pid in app),
            "database": sum(process_cpu_seconds(pid) for pid, _a, _l in rows),
            "client": sum(os.times()[:2]),
        }
        if self.first is None:
            self.first = snapshot
        self.last = snapshot

    def summary(self, rate: float) -> dict[str, Any]:
        """Averages over the sampled window; CPU per submission at the measured `rate` per second."""
        self.connection.close()
        if self.first is None or rate <= 0:
            return {}
        first, last = self.first, self.last
        wall = last["wall"] - first["wall"]
        total = last["total"] - first["total"]

        def ms_each(key: str) -> float | None:
            used = last[key] - first[key]
            return round(1000 * used / (rate * wall), 2) if used > 0 and wall > 0 else None

        busy_s = (total - (last["idle"] - first["idle"])) / os.sysconf("SC_CLK_TCK")
        ours = sum(last[key] - first[key] for key in ("app", "database", "client"))
        return {
            "cpu_busy_percent": round(100 * (1 - (last["idle"] - first["idle"]) / total), 1) if total else None,
            # CPU used by anything else on the machine (another test run…): it makes the figures pessimistic.
            "cpu_others_percent": round(max(0.0, 100 * (busy_s - ours) / (wall * (os.cpu_count() or 1))), 1)
            if wall > 0
            else None,
            "cpu_ms_per_submission": {"app": ms_each("app"), "database": ms_each("database"),
                                      "load_generator": ms_each("client")},
            "backends_active_mean": round(sum(self.active) / len(self.active), 1),
            "backends_waiting_on_lock_mean": round(sum(self.waiting) / len(self.waiting), 1),
        }  # fmt: skip


def _children(pid: int | None) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc (Linux); 0 when it cannot be read."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu_ticks() -> dict[str, float]:
    try:
        ticks = [int(n) for n in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except (OSError, ValueError):
        return {"total": 0.0, "idle": 0.0}
    return {"total": float(sum(ticks[:8])), "idle": float(ticks[3] + ticks[4])}


def http_client(port: int, applicants: list[Applicant], clients: int) -> Callable[..., None]:
    """A client thread: keep-alive when the server offers it (gthread), a fresh connection otherwise
    (gunicorn's sync worker closes after each response). Client n applies for residents n, n+clients…"""

    def client(n: int, go_on: Callable[[], bool], record: Callable[[float, float, str], None]) -> None:
        mine = applicants[n::clients] or applicants
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        sent = 0
        while go_on():
            applicant = mine[sent % len(mine)]
            sent += 1
            headers = {
                "Content-Type": "application/json",
                "Cookie": f"sessionid={applicant.session}; csrftoken={applicant.csrf}",
                "X-CSRFToken": applicant.csrf,
                "Idempotency-Key": f"bench-{n}-{sent}-{uuid.uuid4().hex[:12]}",
            }
            began = time.perf_counter()
            try:
                connection.request("POST", "/api/v1/cases", body=payload_of(applicant), headers=headers)
                response = connection.getresponse()
                response.read()
                status = str(response.status)
                if response.will_close:
                    connection.close()
            except (OSError, http.client.HTTPException) as exc:
                status = type(exc).__name__
                connection.close()
            record(began, (time.perf_counter() - began) * 1000, status)
        connection.close()

    return client


def csrf_tokens(port: int, applicants: list[Applicant]) -> list[Applicant]:
    """What a browser does first: load a page, keep the csrftoken cookie, send it back as X-CSRFToken."""
    signed = []
    for applicant in applicants:
        with closing(http.client.HTTPConnection("127.0.0.1", port, timeout=30)) as connection:
            connection.request("GET", "/", headers={"Cookie": f"sessionid={applicant.session}"})
            response = connection.getresponse()
            response.read()
            cookies = SimpleCookie()
            for header in response.headers.get_all("Set-Cookie") or []:
                cookies.load(header)
            if response.status != 200 or "csrftoken" not in cookies:
                raise SystemExit(f"GET / as a resident gave {response.status} without a csrftoken cookie")
            signed.append(Applicant(**{**applicant.__dict__, "csrf": cookies["csrftoken"].value}))
    return signed


def free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def gunicorn(*, workers: int, threads: int, database_url: str) -> Iterator[tuple[int, int]]:
    """`gunicorn onewindow.wsgi` on 127.0.0.1 with the default settings, DEBUG off; stopped at the end."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_DEBUG": "0", "ONEWINDOW_LOG_LEVEL": "WARNING"}
    env.pop("ONEWINDOW_ENV", None)
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"), "onewindow.wsgi", "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers), "--threads", str(threads), "--log-level", "warning",
    ]  # fmt: skip
    log_path = Path(tempfile.gettempdir()) / "onewindow-bench-gunicorn.log"
    log = log_path.open("ab")
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)  # noqa: S603 - fixed argv
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                raise SystemExit(f"gunicorn exited with {server.returncode}; see {log_path}")
            try:
                with closing(http.client.HTTPConnection("127.0.0.1", port, timeout=5)) as connection:
                    connection.request("GET", "/")
                    connection.getresponse().read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("gunicorn did not answer within 60 s") from None
                time.sleep(0.2)
        yield port, server.pid
    finally:
        server.send_signal(signal.SIGTERM)  # graceful: the master stops its workers
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
        log.close()


# --- the raw SQL baseline ------------------------------------------------------------------------


@dataclass
class Insert:
    """An INSERT of `count` rows into a model's table, with every column the model has: the values
    come from a model instance (so defaults of fields added later are filled in as the ORM fills
    them), prepared for the database once; each row then overrides the columns that vary."""

    sql: str
    columns: list[str]
    template: dict[str, Any]

    @classmethod
    def of(cls, model: Any, count: int, **attributes: Any) -> Insert:
        from django.db import connection

        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        instance = model(**attributes)
        template = {f.column: f.get_db_prep_save(getattr(instance, f.attname), connection) for f in fields}
        columns = [f.column for f in fields]
        rows = ", ".join(["(" + ", ".join(["%s"] * len(columns)) + ")"] * count)
        sql = f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) VALUES {rows}"  # noqa: S608 - names, placeholders
        return cls(sql=sql, columns=columns, template=template)

    def params(self, rows: list[dict[str, Any]]) -> list[Any]:
        return [row.get(column, self.template[column]) for row in rows for column in self.columns]


def raw_client(
    *, database_url: str, applicants: list[Applicant], context: dict[str, Any], rows: dict[str, int]
) -> Callable[..., None]:
    """The rows one online submission leaves, written with psycopg, one transaction per submission.

    Same order as the service: the case number first (from the day's counter row, locked until the
    commit, or from a sequence: as the service does it), then the case (already submitted), its
    history rows, the materials the registry supplied, the audit events, the inbox rows (and SMS
    deliveries, if any) and the idempotency key. How many rows of each: `rows`, as counted after the
    HTTP runs, so that the baseline keeps writing what the service writes when the service changes.
    One statement per table, no reads: the floor the framework's work is compared with.
    """
    import psycopg
    from psycopg import sql
    from psycopg.types.json import Jsonb

    from audit.models import AuditEvent
    from cases.models import Case, CaseHistory, CaseMaterial, IdempotencyKey
    from notifications.models import Delivery, Notification

    prefix, item_name, ip = context["prefix"], context["item_name"], "127.0.0.1"
    steps = [("start", "", "draft"), ("submit", "draft", "submitted")]
    steps = (steps + [("note", "submitted", "submitted")] * rows["cases_casehistory"])[: rows["cases_casehistory"]]
    actions = (["case.start", "case.submit"] + ["case.read"] * rows["audit_auditevent"])[: rows["audit_auditevent"]]
    case = Insert.of(
        Case, 1, city_id=context["city_id"], number="", item_id=context["item_id"],
        item_version_id=context["version_id"], resident_id=0, created_by_id=0, channel="online",
        authorisation="self", status="submitted", handling_department_id=0, fields_prefilled=2, fields_typed=1,
    )  # fmt: skip
    history = Insert.of(CaseHistory, len(steps), case_id=0)
    material = Insert.of(
        CaseMaterial, rows["cases_casematerial"], case_id=0, source="registry", trust_level="A",
        required_material_id=context["material_id"], original_name="户口簿", uploaded_by_id=0,
    )  # fmt: skip
    audit = Insert.of(AuditEvent, len(actions), city_id=context["city_id"], actor_role="resident",
                      object_type="cases.case", ip_address=ip)  # fmt: skip
    notification = Insert.of(Notification, rows["notifications_notification"], recipient_id=0, title="申请已收到")
    delivery = Insert.of(Delivery, rows["notifications_delivery"], notification_id=0, channel="sms")
    idempotency = Insert.of(IdempotencyKey, 1, user_id=0, key="", request_hash="0" * 64, case_id=0)
    # Numbered as the service numbers (the probe submission showed how): from a sequence, or from
    # the day's counter row, which stays locked until the commit.
    numbering: Any = (
        sql.SQL("SELECT nextval({})").format(sql.Literal(context["sequence"]))
        if context["sequence"]
        else "INSERT INTO cases_casenumbercounter (city_id, day, last) VALUES (%(city)s, %(day)s, 1) "
        "ON CONFLICT (city_id, day) DO UPDATE SET last = cases_casenumbercounter.last + 1 RETURNING last"
    )
    reported: set[str] = set()

    def client(n: int, go_on: Callable[[], bool], record: Callable[[float, float, str], None]) -> None:
        mine = applicants[n :: context["clients"]] or applicants
        with psycopg.connect(database_url, options="-c statement_timeout=30s") as connection:
            sent = 0
            while go_on():
                a = mine[sent % len(mine)]
                sent += 1
                began = time.perf_counter()
                try:
                    with connection.transaction(), connection.cursor() as cur:
                        now = dt.datetime.now(dt.UTC)
                        today = now.astimezone(context["zone"]).date()
                        cur.execute(
                            numbering, None if context["sequence"] else {"city": context["city_id"], "day": today}
                        )
                        number = f"{prefix}-{today:%Y%m%d}-{cur.fetchone()[0]:06d}"
                        form = {"applicant_name": a.name, "phone": a.mobile, "members": 3}
                        cur.execute(case.sql + " RETURNING id", case.params([{
                            "number": number, "resident_id": a.resident_id, "created_by_id": a.user_id,
                            "handling_department_id": a.department_id, "form_data": Jsonb(form),
                            "created_at": now, "submitted_at": now, "updated_at": now,
                        }]))  # fmt: skip
                        case_id = cur.fetchone()[0]
                        if steps:
                            cur.execute(history.sql, history.params([
                                {"case_id": case_id, "action": action, "from_status": old, "to_status": new,
                                 "actor_id": a.user_id, "at": now} for action, old, new in steps]))  # fmt: skip
                        if rows["cases_casematerial"]:
                            cur.execute(material.sql, material.params(
                                [{"case_id": case_id, "uploaded_by_id": a.user_id, "uploaded_at": now}]
                                * rows["cases_casematerial"]))  # fmt: skip
                        if actions:
                            cur.execute(audit.sql, audit.params([
                                {"occurred_at": now, "actor_id": a.user_id, "actor_label": a.mobile, "action": action,
                                 "object_id": str(case_id), "subject_resident_id": a.resident_id}
                                for action in actions]))  # fmt: skip
                        notified: list[int] = []
                        if rows["notifications_notification"]:
                            cur.execute(notification.sql + " RETURNING id", notification.params([
                                {"recipient_id": a.user_id, "event_key": f"case:{number}:submitted:{2 + k}",
                                 "body": f"您的申请 {number}（{item_name}）已收到。", "link": f"/cases/{number}/",
                                 "created_at": now} for k in range(rows["notifications_notification"])]))  # fmt: skip
                            notified = [row[0] for row in cur.fetchall()]
                        if rows["notifications_delivery"]:
                            cur.execute(delivery.sql, delivery.params([
                                {"notification_id": pk, "next_attempt_at": now, "created_at": now}
                                for pk in notified[: rows["notifications_delivery"]]]))  # fmt: skip
                        cur.execute(idempotency.sql, idempotency.params([
                            {"user_id": a.user_id, "key": f"raw-{n}-{sent}-{uuid.uuid4().hex[:12]}",
                             "case_id": case_id, "created_at": now}]))  # fmt: skip
                    status = "2xx"
                except psycopg.Error as exc:
                    status = type(exc).__name__
                    if status not in reported:  # once per kind: the schema may have moved on
                        reported.add(status)
                        say(f"\n  raw SQL: {status}: {str(exc).splitlines()[0][:200]}")
                record(began, (time.perf_counter() - began) * 1000, status)

    return client


def write_stats() -> dict[str, tuple[int, int]]:
    """Rows inserted and updated so far, per table, from PostgreSQL's statistics (every table,
    including any a submission writes that WRITTEN_TABLES does not name)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, n_tup_ins, n_tup_upd FROM pg_stat_user_tables")
        return {name: (int(ins), int(upd)) for name, ins, upd in cursor.fetchall()}


def write_stats_per(before: dict[str, tuple[int, int]], count: int) -> dict[str, list[float]]:
    """Inserts and updates per submission since `before`, for the tables that changed."""
    time.sleep(1.5)  # backends flush their statistics at most once a second (and when they exit)
    after = write_stats()
    per = {}
    for name, (ins, upd) in sorted(after.items()):
        old_ins, old_upd = before.get(name, (0, 0))
        if (ins, upd) != (old_ins, old_upd) and count:
            per[name] = [round((ins - old_ins) / count, 2), round((upd - old_upd) / count, 2)]
    return per


# --- the run ---------------------------------------------------------------------------------------


def run(args: argparse.Namespace, server: str) -> dict[str, Any]:
    rng = random.Random(args.seed)  # noqa: S311 - repeatable synthetic residents, not a secret
    with throwaway_postgres(server, BENCH_DATABASE, keep=args.keep) as database_url:
        say(f"Case submission benchmark: {args.residents} residents, {args.clients} clients, {args.warmup:g} s "
            f"warm-up + {args.seconds:g} s per run, gunicorn --workers {args.workers} --threads 1")  # fmt: skip
        started = time.perf_counter()
        setup_django()
        from django.utils import timezone

        from cases.models import Case

        city = demo_city_load()
        item = item_publish_for_bench(
            city=city, code=ITEM_CODE, kind="civil_affairs", level="district", name="困难群众临时救助申请"
        )
        residents = residents_create(city=city, count=args.residents, rng=rng)
        registry_facts_record(residents=residents, city=city)
        applicants = applicants_sign_in(residents=residents, item=item)
        facts = database_facts()
        queries = queries_per_submission(applicants[0])
        setup_s = time.perf_counter() - started
        say(f"set up in {setup_s:.1f} s; one submission = {queries['total']} queries, {numbering_said(queries)}")

        runs = []
        http_before, stats_before = table_counts(), write_stats()
        for workers in args.worker_counts:
            with gunicorn(workers=workers, threads=1, database_url=database_url) as (port, pid):
                if not applicants[0].csrf:
                    applicants = csrf_tokens(port, applicants)
                before = Case.objects.count()
                phase = Phase(f"HTTP, {workers} workers", args.clients, args.warmup, args.seconds, args.max_requests)
                busy = quiet_wait()
                watch = Watch(database_url, server_pid=pid)
                phase.run(http_client(port, applicants, args.clients), sample=watch)
            created = Case.objects.count() - before
            ok = sum(n for status, n in phase.statuses.items() if status.startswith("2"))
            summary = phase.summary()
            runs.append({"workers": workers, **summary, **watch.summary(summary["per_second"]), "busy_before": busy,
                         "cases_created": created, "responses_2xx": ok})  # fmt: skip
            say(f"  {workers} workers: {summary['per_second']:.1f}/s, p99 {summary['p99_ms']:.1f} ms; "
                f"cases created {created:,} = 2xx responses {ok:,}: {'yes' if created == ok else 'NO'}")  # fmt: skip
        best = max(runs, key=lambda r: r["per_second"])
        http_after = table_counts()
        http_cases = http_after["cases_case"] - http_before["cases_case"]
        rows_per_http = {t: round((http_after[t] - http_before[t]) / max(1, http_cases), 2) for t in WRITTEN_TABLES}
        writes_http = write_stats_per(stats_before, http_cases)
        stats_before = write_stats()

        version = item.current_version
        context = {
            "city_id": city.pk, "prefix": city.case_prefix, "item_id": item.pk, "version_id": version.pk,
            "material_id": getattr(version.materials.first(), "pk", None), "item_name": version.name,
            "clients": args.clients, "sequence": queries["sequence"],
            "zone": timezone.get_current_timezone(),
        }  # fmt: skip
        raw = Phase("raw SQL", args.clients, args.warmup, args.seconds, args.max_requests)
        busy = quiet_wait()
        watch = Watch(database_url)
        rows = {t: round(n) for t, n in rows_per_http.items()}
        raw.run(raw_client(database_url=database_url, applicants=applicants, context=context, rows=rows), sample=watch)
        counts_after = table_counts()
        raw_ok = sum(n for status, n in raw.statuses.items() if status.startswith("2"))
        writes_raw = write_stats_per(stats_before, raw_ok)
        rows_per_raw = {t: round((counts_after[t] - http_after[t]) / max(1, raw_ok), 2) for t in WRITTEN_TABLES}
        raw_summary = {**raw.summary()}
        raw_summary.update(watch.summary(raw_summary["per_second"]), busy_before=busy)
        raw_rows = sum(rows_per_raw.values()) + 1  # + the counter row it updates
        ok_total = sum(r["responses_2xx"] for r in runs)
        return {
            **facts,
            "python": platform.python_version(),
            "machine": machine(),
            "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "goal": GOAL,
            "residents": args.residents,
            "clients": args.clients,
            "warmup_seconds": args.warmup,
            "setup_seconds": round(setup_s, 1),
            "queries_per_submission": queries,
            "http_runs": runs,
            "best": best,
            "raw_sql": {**raw_summary, "rows_per_second": round(raw_summary["per_second"] * raw_rows)},
            "ratio_http_to_raw": round(best["per_second"] / raw_summary["per_second"], 3)
            if raw_summary["per_second"]
            else None,
            "rows_per_submission": {"http": rows_per_http, "raw_sql": rows_per_raw},
            "inserts_updates_per_submission": {"http": writes_http, "raw_sql": writes_raw},
            "check": {
                "cases_from_http": http_cases,  # the probe submission was made before
                "http_2xx_responses": ok_total,
                "equal": http_cases == ok_total,
                "cases_total": counts_after["cases_case"],
            },
        }


def report(result: dict[str, Any]) -> None:
    say(f"\n{result['database']}")
    say(f"fsync={result['fsync']} synchronous_commit={result['synchronous_commit']} "
        f"shared_buffers={result['shared_buffers']}; {result['machine']}")  # fmt: skip
    q = result["queries_per_submission"]
    say(f"one HTTP submission: {q['total']} queries, {numbering_said(q)}")
    say(f"\n{'':<22}{'subm./s':>8}{'p50 ms':>8}{'p99 ms':>8}{'max ms':>8}{'errors':>7}"
        f"{'CPU %':>7}{'others':>7}{'app ms':>8}{'db ms':>7}{'on lock':>8}")  # fmt: skip

    def line(label: str, r: dict[str, Any], mark: str = "") -> None:
        cpu = r.get("cpu_ms_per_submission", {})
        say(f"{label:<22}{r['per_second']:>8.1f}{_num(r['p50_ms']):>8}{_num(r['p99_ms']):>8}{_num(r['max_ms']):>8}"
            f"{r['measured_errors']:>7}{_num(r.get('cpu_busy_percent')):>7}{_num(r.get('cpu_others_percent')):>7}"
            f"{_num(cpu.get('app')):>8}"
            f"{_num(cpu.get('database')):>7}{_num(r.get('backends_waiting_on_lock_mean')):>8}{mark}")  # fmt: skip

    for r in result["http_runs"]:
        line(f"HTTP, {r['workers']} workers", r, "  <- best" if r["workers"] == result["best"]["workers"] else "")
    raw = result["raw_sql"]
    line("raw SQL (psycopg)", raw, f"  ({raw['rows_per_second']:,} rows/s)")
    for r in [*result["http_runs"], raw]:
        if r["measured_errors"]:
            say(f"  errors of {r.get('workers', 'raw SQL')}: {r['all_statuses']}")
    say("CPU %: both cores, busy share (others: used by other processes than gunicorn, PostgreSQL and this one);")
    say("app/db ms: CPU per submission in gunicorn / in the PostgreSQL backends of this database;")
    say("on lock: backends waiting on a lock (the day's case-number counter row), mean of half-second samples")
    best, ratio = result["best"], result["ratio_http_to_raw"]
    say(f"\n{'':<24}{'measured':>12}{'goal':>12}")
    for label, value, goal, ok in (
        ("submissions/s", f"{best['per_second']:.1f}", f">= {GOAL_RATE}", best["per_second"] >= GOAL_RATE),
        ("p99", f"{best['p99_ms']:.1f} ms", f"<= {GOAL_P99_MS:.0f} ms", best["p99_ms"] <= GOAL_P99_MS),
        ("errors", f"{best['measured_errors']}", "0", best["measured_errors"] == 0),
        ("raw SQL/s", f"{raw['per_second']:.1f}", "", True),
        ("ratio HTTP/raw", f"{ratio:.3f}", f">= {GOAL_RATIO}", ratio is not None and ratio >= GOAL_RATIO),
    ):
        say(f"{label:<24}{value:>12}{goal:>12}  {'' if not goal else ('met' if ok else 'MISSED')}")
    writes = result["inserts_updates_per_submission"]
    say("\nrows inserted / updated per submission (PostgreSQL statistics)      HTTP        raw SQL")
    for table in sorted(set(writes["http"]) | set(writes["raw_sql"])):
        http, raw_sql = writes["http"].get(table, [0, 0]), writes["raw_sql"].get(table, [0, 0])
        if max(http + raw_sql) < 0.05:
            continue  # a sign-in or a session touched during the set-up, counted late (see the JSON)
        say(f"  {table:<60}{http[0]:>5g} / {http[1]:<5g}{raw_sql[0]:>5g} / {raw_sql[1]:<5g}")
    check = result["check"]
    say(f"cases created over HTTP {check['cases_from_http']:,}, 2xx responses {check['http_2xx_responses']:,}: "
        f"{'equal' if check['equal'] else 'NOT EQUAL'}")  # fmt: skip


def _num(value: float | None) -> str:
    return "–" if value is None or value != value else f"{value:.1f}"  # None or NaN


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--residents", type=int, default=200, help="signed-in residents who apply (200)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent client threads, HTTP and SQL alike (16)")
    parser.add_argument("--seconds", type=float, default=20, help="measured seconds per run (20)")
    parser.add_argument("--warmup", type=float, default=3, help="unmeasured seconds before each run (3)")
    parser.add_argument("--workers", default="2,3,4", help="gunicorn worker counts to try, comma-separated (2,3,4)")
    parser.add_argument("--max-requests", type=int, default=200_000, help="upper bound of requests per run")
    parser.add_argument("--seed", type=int, default=1, help="random seed (1)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards, to look at it")
    args = parser.parse_args(argv)
    try:
        args.worker_counts = [int(n) for n in args.workers.split(",") if n.strip()]
    except ValueError:
        parser.error("--workers takes numbers such as 2,3,4")
    if args.residents < 1 or args.clients < 1 or args.seconds <= 0 or not args.worker_counts:
        parser.error("--residents, --clients, --seconds and --workers must be positive")
    server = postgres_server()
    if server is None:
        return 0
    RESULTS.mkdir(exist_ok=True)
    result = run(args, server)
    report(result)
    path = RESULTS / "cases-submit.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    say(f"wrote {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
