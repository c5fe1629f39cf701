"""Latency of catalogue search (catalogue.search.items_search) over a large synthetic catalogue.

    .venv/bin/python -m bench.bench_search [--items 10000] [--queries 500]

Runs against a throw-away database and never touches the developer's: SQLite in a temporary
file, or, when DATABASE_URL points at PostgreSQL, a database `onewindow_bench` created on that
server and dropped at the end. Prints a table and writes bench/results/search-<vendor>.json.
This is a measurement, not a test: nothing here fails on a slow result. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

RESULTS = Path(__file__).resolve().parent / "results"
BENCH_DATABASE = "onewindow_bench"
BATCH = 1000

# (subject, aliases, keywords): the affairs of a city catalogue, with the words residents use.
SUBJECTS: list[tuple[str, list[str], list[str]]] = [
    ("最低生活保障", ["低保"], ["救助", "困难家庭"]),
    ("特困人员救助供养", ["五保"], ["特困", "供养"]),
    ("临时救助", [], ["急难", "救助"]),
    ("居住证", [], ["流动人口", "暂住"]),
    ("残疾人证", ["残疾证"], ["残联", "评残"]),
    ("城乡居民基本养老保险", ["居民养老"], ["养老金", "退休"]),
    ("城乡居民基本医疗保险", ["居民医保"], ["医保", "看病"]),
    ("异地就医", [], ["外地", "看病", "报销"]),
    ("公共租赁住房", ["公租房"], ["住房困难", "租房"]),
    ("住房公积金", ["公积金"], ["提取", "贷款"]),
    ("高龄津贴", ["高龄补贴"], ["老人", "津贴"]),
    ("独生子女父母奖励", [], ["计划生育", "奖励"]),
    ("生育津贴", [], ["生孩子", "产假"]),
    ("失业保险金", ["失业金"], ["失业", "待遇"]),
    ("就业困难人员", [], ["就业", "援助"]),
    ("婚姻登记", [], ["结婚", "离婚"]),
    ("出生医学证明", ["出生证"], ["新生儿"]),
    ("户口迁移", ["迁户口"], ["落户", "户籍"]),
    ("居民身份证", ["身份证"], ["补办", "换证"]),
    ("老年人优待证", ["老年证"], ["老人", "优待"]),
    ("退役军人优待证", [], ["退伍", "优抚"]),
    ("惠民殡葬补贴", [], ["丧葬", "去世"]),
    ("医疗救助", [], ["大病", "救助"]),
    ("个体工商户营业执照", ["营业执照"], ["开店", "经营"]),
    ("社会保障卡", ["社保卡"], ["补卡", "挂失"]),
    ("灵活就业人员社会保险", ["灵活就业社保"], ["自由职业", "缴费"]),
    ("困难残疾人生活补贴", ["两项补贴"], ["残疾", "补贴"]),
    ("孤儿基本生活费", [], ["孤儿", "儿童"]),
    ("廉租住房租赁补贴", ["租房补贴"], ["租房", "补贴"]),
    ("义务教育入学", ["上学"], ["入学", "学位"]),
]
ACTIONS = ["申请", "申领", "变更", "注销", "补办", "认定", "登记", "备案", "年审", "资格认证", "待遇领取", "转移接续"]
QUALIFIERS = ["", "", "", "（城镇）", "（农村）", "（个人）", "（家庭）", "（首次）", "（跨省通办）", "（委托代办）"]
DISTRICTS = ["新城区", "碑林区", "莲湖区", "雁塔区", "灞桥区", "未央区", "阎良区", "临潼区", "长安区", "高陵区"]
SENTENCES = [
    "符合条件的居民可向户籍所在地社区提出申请",
    "街道办事处受理后进行入户调查和民主评议",
    "区级部门审核通过后按月发放",
    "申请人应如实提供家庭收入和财产状况",
    "可通过网上办事大厅或社区事务受理服务中心办理",
    "材料齐全的当场受理，不齐全的一次性告知需要补正的材料",
    "办理结果可通过短信通知",
    "不收取任何费用",
    "本市户籍居民和持有居住证的常住人口均可办理",
    "委托他人代办的需提供委托书和代办人身份证件",
]
CONDITIONS = [
    "具有本市户籍",
    "持有本市居住证满半年",
    "家庭人均收入低于本市最低生活保障标准",
    "年满六十周岁",
    "经评定为残疾等级一至四级",
    "在本市连续缴纳社会保险满一年",
]
MATERIALS = ["居民身份证", "户口簿", "结婚证", "收入证明", "房屋租赁合同", "社会保障卡", "近期免冠照片", "医学诊断证明"]
STEPS = ["网上申请", "窗口受理", "入户调查", "审核", "审批", "公示", "办结", "送达"]
SYNONYMS = {
    "低保": "最低生活保障",
    "养老金": "养老保险 待遇",
    "外地": "异地",
    "看病": "就医",
    "残疾证": "残疾人证",
    "医保": "医疗保险",
    "公积金": "住房公积金",
    "失业金": "失业保险金",
    "生孩子": "生育",
    "老年证": "老年人优待证",
}
RESIDENT_QUERIES = [
    "低保", "医保 外地 看病", "残疾证怎么办", "养老金", "dibao", "jzz", "公租房", "公积金提取", "身份证丢了怎么办",
    "生孩子 津贴", "失业金", "老人 补贴", "租房补贴", "户口迁移", "结婚登记要带什么", "社保卡补办", "sbk", "gongjijin",
    "营业执照", "孤儿", "上学", "五保户", "殡葬补贴申领", "老年证怎么办", "异地就医备案", "居住证", "低保申请条件",
]  # fmt: skip
BAD_QUERIES = ["", "证", "'; DROP TABLE x; --", "x" * 10_000, "NEAR(", "👴🏻养老", '"', "<script>alert(1)</script>"]
NEAR_MISSES = ["低保申清", "残急证", "居往证", "dibo", "公共祖赁"]


def say(line: str = "") -> None:
    sys.stdout.write(line + "\n")


def running(label: str) -> Callable[[int, int], None]:
    """A progress line rewritten in place, so a long run shows that it is alive."""

    def show(done: int, total: int) -> None:
        sys.stderr.write(f"\r  {label} {done:>7,}/{total:,}")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show


# --- the throw-away database ----------------------------------------------------------------------


@contextmanager
def throwaway_database() -> Iterator[str]:
    """Point DATABASE_URL at a database that exists only for this run; yield the vendor."""
    given = os.environ.get("DATABASE_URL", "")
    if urlsplit(given).scheme in {"postgres", "postgresql", "pgsql"}:
        import psycopg  # only needed for PostgreSQL runs

        admin = urlsplit(given)
        server = urlunsplit(admin._replace(scheme="postgresql"))  # psycopg does not know `pgsql://`
        with psycopg.connect(server, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE}")  # left by an interrupted run
            connection.execute(f"CREATE DATABASE {BENCH_DATABASE}")
        os.environ["DATABASE_URL"] = urlunsplit(admin._replace(path=f"/{BENCH_DATABASE}"))
        try:
            yield "postgresql"
        finally:
            from django.db import connections

            connections.close_all()
            with psycopg.connect(server, autocommit=True) as connection:
                connection.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE}")
            os.environ["DATABASE_URL"] = given
    else:
        with tempfile.TemporaryDirectory(prefix="onewindow-bench-") as directory:
            os.environ["DATABASE_URL"] = f"sqlite:///{directory}/bench.sqlite3"
            try:
                yield "sqlite"
            finally:
                from django.db import connections

                connections.close_all()
                if given:
                    os.environ["DATABASE_URL"] = given
                else:
                    del os.environ["DATABASE_URL"]


def setup_django() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "onewindow.settings"
    os.environ.setdefault("DJANGO_DEBUG", "0")  # DEBUG records every query: slower, and unlike production
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


# --- the synthetic catalogue ----------------------------------------------------------------------


def generate_catalogue(*, items: int, rng: random.Random) -> tuple[Any, list[str]]:
    """N published items with realistic names, guides and materials; returns the city and names."""
    from catalogue.models import RequiredMaterial, ServiceItem, ServiceItemVersion, Synonym, VersionStatus
    from core.models import City, Department

    city, _ = City.objects.get_or_create(code="610100", defaults={"name": "西安市", "case_prefix": "XA"})
    Synonym.objects.bulk_create(Synonym(city=None, term=term, expansion=exp) for term, exp in SYNONYMS.items())
    kinds = [kind for kind, _ in Department.Kind.choices]
    levels = [level for level, _ in Department.Level.choices]
    show = running("generating")
    names: list[str] = []
    for start in range(0, items, BATCH):
        batch = range(start, min(start + BATCH, items))
        catalogue_items = ServiceItem.objects.bulk_create(
            ServiceItem(city=city, code=f"BENCH-{n:06d}", department_kind=rng.choice(kinds),
                        handling_level=rng.choice(levels))
            for n in batch
        )  # fmt: skip
        versions = []
        for item in catalogue_items:
            subject, aliases, keywords = rng.choice(SUBJECTS)
            action = rng.choice(ACTIONS)
            district = rng.choice(DISTRICTS) if rng.random() < 0.3 else ""
            name = f"{district}{subject}{action}{rng.choice(QUALIFIERS)}"
            names.append(name)
            versions.append(
                ServiceItemVersion(
                    item=item, number=1, status=VersionStatus.PUBLISHED, name=name,
                    short_name=f"{subject}{action}" if len(subject) > 4 else "",
                    aliases=[f"{alias}{action}" for alias in aliases] + aliases,
                    keywords=keywords + rng.sample(["便民", "社区", "补贴", "证明", "老人", "儿童"], 2),
                    summary=f"{subject}{action}。" + "。".join(rng.sample(SENTENCES, 4)) + "。",
                    conditions="；".join(rng.sample(CONDITIONS, 2)),
                    statutory_days=20, promised_days=rng.choice([1, 3, 5, 10]), max_visits=rng.choice([0, 1]),
                    process_steps=[{"name": step, "on_site": False} for step in sorted(rng.sample(STEPS, 4))],
                )
            )  # fmt: skip
        ServiceItemVersion.objects.bulk_create(versions)
        for item, version in zip(catalogue_items, versions, strict=True):
            item.current_version = version
        ServiceItem.objects.bulk_update(catalogue_items, ["current_version"])
        RequiredMaterial.objects.bulk_create(
            RequiredMaterial(version=version, position=position, name=material)
            for version in versions
            for position, material in enumerate(rng.sample(MATERIALS, rng.randint(2, 4)))
        )
        show(batch.stop, items)
    return city, names


# --- measuring ------------------------------------------------------------------------------------


def query_mix(*, queries: int, names: list[str], rng: random.Random) -> list[tuple[str, str]]:
    """(kind, query): 60% what residents type, 30% exact item names, 10% junk and attacks."""
    mix = []
    for n in range(queries):
        roll = n % 10
        if roll < 6:
            mix.append(("resident", rng.choice(RESIDENT_QUERIES)))
        elif roll < 9:
            mix.append(("item name", rng.choice(names)))
        else:
            mix.append(("bad input", rng.choice(BAD_QUERIES)))
    rng.shuffle(mix)
    return mix


def summarise(samples_ms: list[float], hits: list[int]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    # Nearest-rank percentiles: with 500 samples, p99 is the 495th, a real observation.
    return {
        "count": len(ordered),
        "p50_ms": ordered[max(0, round(0.50 * len(ordered)) - 1)],
        "p99_ms": ordered[max(0, round(0.99 * len(ordered)) - 1)],
        "mean_ms": statistics.fmean(ordered),
        "max_ms": ordered[-1],
        "mean_hits": statistics.fmean(hits) if hits else 0.0,
    }


def timed(call: Callable[[], list[Any]]) -> tuple[float, int]:
    started = time.perf_counter()
    result = call()
    return (time.perf_counter() - started) * 1000, len(result)


def measure(
    *, city: Any, mix: list[tuple[str, str]], limit: int
) -> tuple[dict[str, dict[str, float]], list[dict[str, Any]]]:
    from catalogue.search import items_search, items_suggest

    for _, query in mix[:20]:  # warm caches and connections; not measured
        items_search(city=city, query=query, limit=limit)
    by_kind: dict[str, tuple[list[float], list[int]]] = {}
    slowest: list[tuple[float, str]] = []
    show = running("searching ")
    for done, (kind, query) in enumerate(mix, start=1):
        elapsed, found = timed(partial(items_search, city=city, query=query, limit=limit))
        slowest = sorted([*slowest, (elapsed, query[:40])], reverse=True)[:5]
        for key in (kind, "all"):
            by_kind.setdefault(key, ([], []))
            by_kind[key][0].append(elapsed)
            by_kind[key][1].append(found)
        if done % 50 == 0 or done == len(mix):
            show(done, len(mix))
    suggest_ms: list[float] = []
    suggest_hits: list[int] = []
    for _ in range(20):
        for query in NEAR_MISSES:
            elapsed, found = timed(partial(items_suggest, city=city, query=query))
            suggest_ms.append(elapsed)
            suggest_hits.append(found)
    order = ["resident", "item name", "bad input", "all"]
    results = {kind: summarise(*by_kind[kind]) for kind in order if kind in by_kind}
    results["items_suggest (near misses)"] = summarise(suggest_ms, suggest_hits)
    return results, [{"ms": round(ms, 2), "query": query} for ms, query in slowest]


def database_version(vendor: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()" if vendor == "postgresql" else "SELECT 'SQLite ' || sqlite_version()")
        return str(cursor.fetchone()[0])


def run(args: argparse.Namespace) -> dict[str, Any]:
    with throwaway_database() as vendor:
        setup_django()
        from django.db import connection

        from catalogue.search import items_reindex

        rng = random.Random(args.seed)  # noqa: S311 - a repeatable catalogue, not a secret
        say(f"Search benchmark on {vendor}: {args.items:,} items, {args.queries:,} queries")
        started = time.perf_counter()
        city, names = generate_catalogue(items=args.items, rng=rng)
        generate_s = time.perf_counter() - started
        started = time.perf_counter()
        indexed = items_reindex(progress=running("indexing  "))
        index_s = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # planner statistics, as a live database would have
        mix = query_mix(queries=args.queries, names=names, rng=rng)
        results, slowest = measure(city=city, mix=mix, limit=args.limit)
        return {
            "vendor": vendor,
            "database": database_version(vendor),
            "items": args.items,
            "indexed": indexed,
            "queries": args.queries,
            "limit": args.limit,
            "seed": args.seed,
            "generate_seconds": round(generate_s, 2),
            "index_seconds": round(index_s, 2),
            "index_items_per_second": round(indexed / index_s) if index_s else None,
            "python": platform.python_version(),
            "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}",
            "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "goal": "items_search p99 <= 20 ms on 2 cores",
            "results": results,
            "slowest_searches": slowest,
        }


def report(result: dict[str, Any]) -> None:
    say(f"\n{result['database']}")
    say(f"indexed {result['indexed']:,} items in {result['index_seconds']} s ({result['index_items_per_second']}/s)")
    say(f"{'':<28}{'n':>6}{'p50 ms':>9}{'p99 ms':>9}{'mean ms':>9}{'max ms':>9}{'hits':>7}")
    for kind, row in result["results"].items():
        say(
            f"{kind:<28}{row['count']:>6}{row['p50_ms']:>9.2f}{row['p99_ms']:>9.2f}"
            f"{row['mean_ms']:>9.2f}{row['max_ms']:>9.2f}{row['mean_hits']:>7.1f}"
        )
    say("slowest searches: " + ", ".join(f"{row['query']!r} {row['ms']:.1f} ms" for row in result["slowest_searches"]))
    p99 = result["results"]["all"]["p99_ms"]
    say(f"items_search p99 {p99:.2f} ms: {'within' if p99 <= 20 else 'ABOVE'} the 20 ms goal")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=10_000, help="synthetic items to generate (10000)")
    parser.add_argument("--queries", type=int, default=500, help="searches to time (500)")
    parser.add_argument("--limit", type=int, default=20, help="results per search (20)")
    parser.add_argument("--seed", type=int, default=1, help="random seed, for repeatable catalogues (1)")
    args = parser.parse_args(argv)
    if args.items < 1 or args.queries < 1:
        parser.error("--items and --queries must be positive")
    result = run(args)
    report(result)
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"search-{result['vendor']}.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    say(f"wrote {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
