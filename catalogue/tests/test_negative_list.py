import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from catalogue.models import ServiceItem
from catalogue.scores import negative_list_scores
from catalogue.selectors import negative_list_trend
from catalogue.services import negative_list_add, negative_list_remove
from catalogue.tests.conftest import list_step

TODAY = dt.date(2026, 11, 29)


def level(item: ServiceItem) -> str:
    return ServiceItem.objects.with_online_level().get(pk=item.pk).online_level


def test_the_online_level_is_derived_from_open_entries_only(published_item, world) -> None:  # type: ignore[no-untyped-def]
    assert level(published_item) == "fully_online"
    step = list_step(published_item, world)
    assert level(published_item) == "at_most_one_visit"
    whole = list_step(published_item, world, step="")
    assert level(published_item) == "on_site"
    negative_list_remove(actor=None, entry=whole, reason="已实现全程网办", removed_on=dt.date(2026, 11, 1))
    negative_list_remove(actor=None, entry=step, reason="电子证照已共享", removed_on=dt.date(2026, 11, 2))
    assert level(published_item) == "fully_online"
    assert published_item.online_level == "fully_online", "the unannotated property agrees"


def test_an_entry_needs_a_reason_and_a_sensible_date(published_item, world) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as exc:
        negative_list_add(
            actor=None, item=published_item, step="x", reason="", owner_department=world.yanta_civil_affairs,
            target_date=dt.date(2020, 1, 1), listed_on=TODAY,
        )  # fmt: skip
    assert set(exc.value.error_dict) == {"reason", "target_date"}


def test_scores_count_open_overdue_and_removed_this_quarter(published_item, world) -> None:  # type: ignore[no-untyped-def]
    list_step(published_item, world, step="入户调查", target=dt.date(2026, 6, 30))  # overdue
    list_step(published_item, world, step="原件核验", target=dt.date(2027, 6, 30))
    removed = list_step(published_item, world, step="现场签字", target=dt.date(2027, 6, 30))
    negative_list_remove(actor=None, entry=removed, reason="已支持电子签名", removed_on=dt.date(2026, 10, 15))

    departments = {s.unit_id: s for s in negative_list_scores(city=world.city, by="department", today=TODAY)}
    yanta = departments[world.yanta_civil_affairs.pk]
    assert (yanta.open, yanta.overdue, yanta.removed_this_quarter) == (2, 1, 1)
    assert yanta.score == 100 - 8 - 6 + 3
    assert departments[world.city_civil_affairs.pk].score == 100

    districts = negative_list_scores(city=world.city, by="district", today=TODAY)
    by_id = {s.unit_id: s for s in districts}
    assert (by_id[world.yanta.pk].open, by_id[world.yanta.pk].overdue) == (2, 1)
    assert by_id[world.changan.pk].score == 100
    assert districts[-1].unit_id == world.yanta.pk, "the worst district comes last"


def test_the_trend_counts_entries_open_at_each_month_end(published_item, world) -> None:  # type: ignore[no-untyped-def]
    entry = list_step(published_item, world)  # listed 2026-03-01
    negative_list_remove(actor=None, entry=entry, reason="已实现网办", removed_on=dt.date(2026, 9, 10))
    trend = {p.month_end.month: p.open for p in negative_list_trend(city=world.city, today=TODAY, months=12)}
    assert (trend[2], trend[3], trend[8], trend[9], trend[11]) == (0, 1, 1, 0, 0)


def test_the_public_page_and_api_show_entries_and_scores(published_item, world) -> None:  # type: ignore[no-untyped-def]
    list_step(published_item, world, target=dt.date(2026, 6, 30))
    page = Client().get("/services/negative-list/").content.decode()
    assert "需入户核查家庭经济状况" in page
    assert "已逾期" in page or "overdue" in page
    entries = Client().get("/api/v1/catalogue/negative-list").json()
    assert entries[0]["step"] == "入户调查"
    scores = Client().get("/api/v1/catalogue/negative-list/scores?by=district").json()
    assert {s["unit"] for s in scores} >= {"雁塔区", "长安区"}
