"""The peak-hour plan (应急预案) on simulated peak days: residents' waits with and without it.

    .venv/bin/python -m bench.bench_peak_plan [--days 20] [--counters 6] [--reserve 2]

A simulation (appointments.simulation), not a timing: no database, no Django, the same figures on
any machine for a given seed. Each day of arrivals is replayed twice at the demo centre's shape,
without a plan and with one, with each resident's service time the same in both runs, so that
the difference is the plan's. Prints a table against the goal (p90 wait ≤ 15 minutes, 不久等)
and writes bench/results/peak-plan.json. A measurement, not a test: see bench/README.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from appointments.simulation import (
    GOAL_P90_WAIT,
    DayReport,
    Ending,
    PeakPlan,
    ServiceTime,
    clock,
    due_minute,
    nearest_rank,
    realistic_peak_day,
    simulate_day,
)
from bench.bench_search import running, say

RESULTS = Path(__file__).resolve().parent / "results"
OPENING = (9 * 60, 17 * 60)
SERVICE = ServiceTime()  # lognormal, mean 9 min: see its docstring for why


def demo_plan(*, reserve: int) -> PeakPlan:
    """The plan we would propose to a district centre: act when the promise of 不久等 is at risk."""
    return PeakPlan(
        max_wait_minutes=GOAL_P90_WAIT,
        max_waiting=30,
        extra_counters=reserve,
        online_share=0.15,
        redirect_share=0.10,
        cooldown_minutes=30,
        extend_minutes=60,
    )


def summarise(reports: list[DayReport]) -> dict[str, Any]:
    """Waits pooled over all days (every resident counts once); counts as a mean per day."""
    waited = [o for r in reports for o in r.outcomes if o.ending in (Ending.SERVED, Ending.UNSERVED)]
    waits = sorted(outcome.wait for outcome in waited)
    by_hour: dict[int, list[float]] = {}
    for outcome in waited:
        by_hour.setdefault(int(due_minute(outcome.arrival, opening=OPENING[0]) // 60), []).append(outcome.wait)

    def per_day(name: str) -> float:
        return round(statistics.fmean(getattr(report, name) for report in reports), 1)

    return {
        "average_wait": round(statistics.fmean(waits), 1) if waits else 0.0,
        "p90_wait": round(nearest_rank(waits, 0.9), 1),
        "max_wait": round(waits[-1], 1) if waits else 0.0,
        "days_within_goal": sum(report.p90_wait <= GOAL_P90_WAIT for report in reports),
        "per_day": {
            name: per_day(name)
            for name in ("arrivals", "served", "advised_online", "redirected", "unserved", "counter_hours")
        },
        "firings_per_day": round(statistics.fmean(len(report.firings) for report in reports), 1),
        "days_extended": sum(report.closing_minute > OPENING[1] for report in reports),
        "average_wait_by_hour": {
            f"{hour:02d}:00": round(statistics.fmean(w), 1) for hour, w in sorted(by_hour.items())
        },
    }


def day_row(day: int, seed: int, report: DayReport) -> dict[str, Any]:
    return {
        "day": day,
        "seed": seed,
        "average_wait": round(report.average_wait, 1),
        "p90_wait": round(report.p90_wait, 1),
        "max_wait": round(report.max_wait, 1),
        "served": report.served,
        "advised_online": report.advised_online,
        "redirected": report.redirected,
        "unserved": report.unserved,
        "counter_hours": round(report.counter_hours, 1),
        "closing": clock(report.closing_minute),
        "firings": [{"at": clock(firing.minute), "cause": firing.cause} for firing in report.firings],
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    plan = demo_plan(reserve=args.reserve)
    say(
        f"Peak-hour plan: {args.days} simulated days of {args.day_total} residents, "
        f"{args.counters} counters + {args.reserve} in reserve, open {clock(OPENING[0])}-{clock(OPENING[1])}"
    )
    started = time.perf_counter()
    without: list[DayReport] = []
    with_plan: list[DayReport] = []
    rows: dict[str, list[dict[str, Any]]] = {"without plan": [], "with plan": []}
    show = running("days")
    for day in range(1, args.days + 1):
        seed = args.seed * 1000 + day
        arrivals = realistic_peak_day(seed=seed, day_total=args.day_total, opening=OPENING)
        for name, chosen, reports in (("without plan", None, without), ("with plan", plan, with_plan)):
            report = simulate_day(
                arrivals=arrivals,
                counters=args.counters,
                service_minutes=SERVICE,
                opening=OPENING,
                plan=chosen,
                seed=seed,
            )
            reports.append(report)
            rows[name].append(day_row(day, seed, report))
        show(day, args.days)
    open_hours = (OPENING[1] - OPENING[0]) / 60
    return {
        "goal": f"p90 wait <= {GOAL_P90_WAIT} min (不久等)",
        "days": args.days,
        "day_total": args.day_total,
        "counters": args.counters,
        "reserve": args.reserve,
        "seed": args.seed,
        "opening": [clock(OPENING[0]), clock(OPENING[1])],
        "service_minutes": dataclasses.asdict(SERVICE),
        "plan": dataclasses.asdict(plan),
        "offered_counter_hours": round(args.day_total * SERVICE.mean / 60, 1),
        "staffed_counter_hours": round(args.counters * open_hours, 1),
        "simulated_seconds": round(time.perf_counter() - started, 2),
        "python": platform.python_version(),
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "results": {"without plan": summarise(without), "with plan": summarise(with_plan)},
        "days_detail": rows,
    }


def report(result: dict[str, Any]) -> None:
    say(
        f"\nwork brought: {result['day_total']} residents x {result['service_minutes']['mean']:g} min = "
        f"{result['offered_counter_hours']} counter-hours a day; {result['counters']} counters staff "
        f"{result['staffed_counter_hours']} (waits in minutes, counts per day)"
    )
    say(
        f"{'':<14}{'avg wait':>9}{'p90 wait':>9}{'max wait':>9}{'served':>8}{'online':>8}{'redirect':>9}"
        f"{'unserved':>9}{'counter-h':>10}{'p90 ok days':>12}"
    )
    for name, row in result["results"].items():
        day = row["per_day"]
        say(
            f"{name:<14}{row['average_wait']:>9.1f}{row['p90_wait']:>9.1f}{row['max_wait']:>9.1f}{day['served']:>8.1f}"
            f"{day['advised_online']:>8.1f}{day['redirected']:>9.1f}{day['unserved']:>9.1f}{day['counter_hours']:>10.1f}"
            f"{row['days_within_goal']:>7}/{result['days']}"
        )
    hours = list(result["results"]["without plan"]["average_wait_by_hour"])
    say("average wait by hour due:" + " ".join(f"{hour[:2]:>5}" for hour in hours))
    for name, row in result["results"].items():
        say(f"  {name:<23}" + " ".join(f"{row['average_wait_by_hour'].get(hour, 0):>5.0f}" for hour in hours))
    for name, row in result["results"].items():
        p90 = row["p90_wait"]
        verdict = "within" if p90 <= GOAL_P90_WAIT else "ABOVE"
        say(f"{name}: p90 wait {p90:.1f} min, {verdict} the {GOAL_P90_WAIT} min goal")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=20, help="peak days to simulate (20)")
    parser.add_argument("--counters", type=int, default=6, help="counters staffed all day (6)")
    parser.add_argument("--reserve", type=int, default=2, help="reserve counters the plan can open (2)")
    parser.add_argument("--day-total", type=int, default=400, help="residents a day (400)")
    parser.add_argument("--seed", type=int, default=1, help="random seed, for repeatable days (1)")
    args = parser.parse_args(argv)
    if args.days < 1 or args.counters < 1 or args.reserve < 0 or args.day_total < 1:
        parser.error("--days, --counters and --day-total must be positive, --reserve not negative")
    result = run(args)
    report(result)
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / "peak-plan.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    say(f"wrote {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
