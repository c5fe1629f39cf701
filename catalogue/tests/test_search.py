"""Catalogue search as residents use it, on SQLite and (with DATABASE_URL) on PostgreSQL.

The catalogue is built directly with the ORM and indexed with `item_index`, as publishing will.
"""

import random
import re
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalogue.models import (
    RequiredMaterial,
    SearchDocument,
    ServiceItem,
    ServiceItemVersion,
    Synonym,
    VersionStatus,
)
from catalogue.search import (
    MAX_TERMS,
    SearchHit,
    _PostgresBackend,
    analyse,
    body_tokens_for,
    item_index,
    items_reindex,
    items_search,
    items_suggest,
    name_tokens_for,
)
from core.models import City, Department

pytestmark = pytest.mark.django_db

on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite FTS5 only")
on_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")


def publish(city: City, code: str, name: str, *, materials: tuple[str, ...] = (), **guide: object) -> ServiceItem:
    """An item whose version 1 is published and current, indexed as publishing does it."""
    item = ServiceItem.objects.create(
        city=city,
        code=code,
        department_kind=Department.Kind.CIVIL_AFFAIRS,
        handling_level=Department.Level.DISTRICT,
    )
    version = ServiceItemVersion.objects.create(
        item=item, number=1, status=VersionStatus.PUBLISHED, name=name, statutory_days=20, promised_days=10, **guide
    )
    for position, material in enumerate(materials):
        RequiredMaterial.objects.create(version=version, position=position, name=material)
    item.current_version = version
    item.save(update_fields=["current_version"])
    item_index(item=item)
    return item


@dataclass
class Catalogue:
    city: City
    other_city: City
    items: dict[str, ServiceItem]


@pytest.fixture
def catalogue(world) -> Catalogue:
    city = world.city
    items = {
        "subsistence": publish(
            city, "MZ-001", "最低生活保障申请", aliases=["低保"], keywords=["救助", "困难家庭"],
            summary="为家庭人均收入低于当地最低生活保障标准的居民提供基本生活救助。",
            materials=("居民身份证", "户口簿", "家庭收入证明"),
        ),
        "medical_elsewhere": publish(
            city, "YB-002", "异地就医备案", keywords=["外地", "看病", "报销"],
            summary="参保人员在参保地以外的地方就医前办理备案，可直接结算医疗费用。",
            materials=("社会保障卡",),
        ),
        "disability_card": publish(
            city, "CL-001", "残疾人证申领", aliases=["残疾证"], keywords=["残联", "评残"],
            summary="符合残疾标准的居民申领中华人民共和国残疾人证。", materials=("居民身份证", "近期照片"),
        ),
        "pension_check": publish(
            city, "RS-010", "城乡居民基本养老保险待遇领取资格认证", keywords=["养老金", "认证", "生存认证"],
            summary="领取城乡居民养老保险待遇的人员每年进行一次资格认证。",
        ),
        "residence_permit": publish(
            city, "GA-003", "居住证申领", keywords=["流动人口", "暂住"],
            summary="在本市居住半年以上的非本市户籍人员可申领居住证。", materials=("居民身份证", "租房合同"),
        ),
        "medical_insurance": publish(
            city, "YB-001", "城乡居民医保参保登记", aliases=["居民医保"], keywords=["参保", "缴费"],
            summary="城乡居民基本医疗保险参保登记。",
        ),
        "public_rental": publish(
            city, "ZJ-004", "公共租赁住房申请", aliases=["公租房"], keywords=["住房困难", "保障房"],
            summary="住房困难家庭可申请公共租赁住房。",
        ),
        "marriage": publish(
            city, "MZ-020", "婚姻登记", keywords=["结婚", "离婚"], summary="内地居民办理结婚登记和离婚登记。"
        ),
        "burial": publish(
            city, "MZ-030", "惠民殡葬补贴申领", keywords=["丧葬", "补贴"], summary="为去世居民的家属发放殡葬补贴。"
        ),
        "business_licence": publish(
            city, "SC-001", "个体工商户营业执照办理", keywords=["开店", "营业执照"],
            summary="申请登记个体工商户。",
        ),
    }  # fmt: skip
    synonyms = {
        "低保": "最低生活保障",
        "养老金": "养老保险 待遇",
        "外地": "异地",
        "看病": "就医",
        "残疾证": "残疾人证",
        "医保": "医疗保险",
    }
    Synonym.objects.bulk_create(Synonym(city=None, term=term, expansion=exp) for term, exp in synonyms.items())
    return Catalogue(city=city, other_city=world.other_city_resident.city, items=items)


def codes(hits: list[SearchHit]) -> list[str]:
    return [hit.item.code for hit in hits]


# --- analysis -----------------------------------------------------------------------------------


def test_analyse_segments_chinese_keeps_ascii_words_and_drops_punctuation() -> None:
    assert analyse("居住证怎么办？ Dibao, ＪＺＺ 123!") == ["居住", "居住证", "怎么", "怎么办", "dibao", "jzz", "123"]


def test_analyse_of_nothing_searchable_is_empty() -> None:
    assert analyse("") == []
    assert analyse("？！…… 👴🏻 <>") == []


def test_the_name_tokens_hold_words_pinyin_and_initials(catalogue: Catalogue) -> None:
    tokens = name_tokens_for(catalogue.items["subsistence"].current_version).split()

    assert {"最低", "生活", "保障", "低保", "dibao", "db", "zuidi", "zd"} <= set(tokens)
    assert "zuidishenghuobaozhangshenqing" in tokens
    assert "jzz" in name_tokens_for(catalogue.items["residence_permit"].current_version).split()


def test_the_body_tokens_hold_keywords_guide_text_and_materials(catalogue: Catalogue) -> None:
    version = catalogue.items["medical_elsewhere"].current_version
    version.process_steps = [{"name": "网上申请"}, {"name": "窗口受理"}, "not a step"]

    tokens = body_tokens_for(version).split()

    assert {"外地", "看病", "报销", "结算", "社会保障", "网上", "窗口", "受理"} <= set(tokens)


# --- finding what residents mean ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("低保", "subsistence"),
        ("医保 外地 看病", "medical_elsewhere"),
        ("残疾证怎么办", "disability_card"),
        ("养老金", "pension_check"),
        ("dibao", "subsistence"),
        ("jzz", "residence_permit"),
        ("DiBao", "subsistence"),
        ("di bao", "subsistence"),
        ("zuidishenghuobaozhang", "subsistence"),
        ("公租房", "public_rental"),
        ("居住证在哪里办理？", "residence_permit"),
        ("我想办低保", "subsistence"),
        ("ｄｉｂａｏ", "subsistence"),
    ],
)
def test_what_a_resident_types_finds_the_item_in_the_top_three(catalogue: Catalogue, query: str, expected: str) -> None:
    hits = items_search(city=catalogue.city, query=query)

    assert catalogue.items[expected].code in codes(hits)[:3]


def test_a_two_character_word_matches(catalogue: Catalogue) -> None:
    hits = items_search(city=catalogue.city, query="租赁")

    assert codes(hits) == ["ZJ-004"]


def test_a_name_match_outranks_a_body_only_match(catalogue: Catalogue) -> None:
    # The body-only item says the word three times and has the smaller code, so neither term
    # frequency nor the code tie-break can explain the order: only the name rule can.
    body_only = publish(
        catalogue.city, "AA-001", "计划生育家庭特别扶助金", keywords=["独生子女"],
        summary="独生子女伤残或死亡的家庭，独生子女父母可领取扶助金。",
    )  # fmt: skip
    named = publish(catalogue.city, "ZZ-999", "独生子女父母奖励")

    hits = items_search(city=catalogue.city, query="独生子女")

    assert codes(hits) == [named.code, body_only.code]
    assert hits[0].score > hits[1].score


def test_equal_matches_are_ordered_by_item_code(catalogue: Catalogue) -> None:
    for code in ["TW-003", "TW-001", "TW-002"]:
        publish(catalogue.city, code, "老年人优待证申领")

    hits = items_search(city=catalogue.city, query="优待证")

    assert codes(hits) == ["TW-001", "TW-002", "TW-003"]


def test_the_results_are_best_first_and_limited(catalogue: Catalogue) -> None:
    hits = items_search(city=catalogue.city, query="居民 申领 登记 保险", limit=4)

    assert len(hits) == 4
    assert [hit.score for hit in hits] == sorted((hit.score for hit in hits), reverse=True)
    assert all(0 <= hit.score < 2 for hit in hits)


def test_a_city_synonym_applies_only_in_that_city(catalogue: Catalogue) -> None:
    Synonym.objects.create(city=catalogue.city, term="领证", expansion="婚姻登记")
    Synonym.objects.create(city=catalogue.other_city, term="办照", expansion="营业执照")

    assert codes(items_search(city=catalogue.city, query="领证"))[:1] == ["MZ-020"]
    assert items_search(city=catalogue.city, query="办照") == []


def test_a_city_synonym_replaces_the_one_for_all_cities(catalogue: Catalogue) -> None:
    Synonym.objects.create(city=catalogue.city, term="看病", expansion="婚姻")

    scores = {hit.item.code: hit.score for hit in items_search(city=catalogue.city, query="看病")}

    assert scores["MZ-020"] >= 1  # 婚姻, in the name, comes from the city's entry
    assert scores["YB-002"] < 1  # 看病 in the body only: 就医, from the entry for all cities, was not added


def test_when_items_match_every_word_only_they_are_found(catalogue: Catalogue) -> None:
    hits = items_search(city=catalogue.city, query="居民 养老")

    assert codes(hits) == ["RS-010"]


def test_a_word_no_item_has_does_not_hide_the_items_matching_the_others(catalogue: Catalogue) -> None:
    assert codes(items_search(city=catalogue.city, query="低保申清"))[:1] == ["MZ-001"]
    assert codes(items_search(city=catalogue.city, query="居住证丢了怎么补"))[:1] == ["GA-003"]


def test_a_synonym_term_the_segmenter_splits_still_expands(catalogue: Catalogue) -> None:
    # rjieba cuts 老年证 into 老年 + 证; the editor's term must apply all the same.
    publish(catalogue.city, "MZ-040", "敬老优待卡办理")
    Synonym.objects.create(city=None, term="老年证", expansion="敬老优待卡")

    assert codes(items_search(city=catalogue.city, query="老年证怎么办"))[:1] == ["MZ-040"]


# --- what must not be found ---------------------------------------------------------------------


def test_a_draft_only_item_is_not_found(catalogue: Catalogue) -> None:
    item = ServiceItem.objects.create(
        city=catalogue.city, code="DR-001", department_kind="civil_affairs", handling_level="district"
    )
    ServiceItemVersion.objects.create(item=item, number=1, name="临时救助申请", statutory_days=5, promised_days=3)
    item_index(item=item)

    assert "DR-001" not in codes(items_search(city=catalogue.city, query="临时救助"))
    assert not SearchDocument.objects.filter(item=item).exists()


def test_an_item_of_another_city_is_not_found(catalogue: Catalogue) -> None:
    publish(catalogue.other_city, "TC-001", "煤矿工人退休证补办")

    assert items_search(city=catalogue.city, query="煤矿工人退休证") == []
    assert codes(items_search(city=catalogue.other_city, query="煤矿工人退休证")) == ["TC-001"]


def test_reindexing_after_a_new_version_finds_the_new_name_and_not_the_old(catalogue: Catalogue) -> None:
    item = catalogue.items["burial"]
    old = item.current_version
    old.status = VersionStatus.SUPERSEDED
    old.save(update_fields=["status"])
    new = ServiceItemVersion.objects.create(
        item=item,
        number=2,
        status=VersionStatus.PUBLISHED,
        name="基本殡葬服务费用减免",
        statutory_days=5,
        promised_days=5,
    )
    item.current_version = new
    item.save(update_fields=["current_version"])

    item_index(item=item)

    assert codes(items_search(city=catalogue.city, query="殡葬服务费用减免"))[:1] == ["MZ-030"]
    assert items_search(city=catalogue.city, query="惠民 补贴") == []
    assert SearchDocument.objects.filter(item=item).count() == 1


def test_a_withdrawn_item_is_no_longer_found(catalogue: Catalogue) -> None:
    item = catalogue.items["marriage"]
    item.current_version = None
    item.save(update_fields=["current_version"])

    item_index(item=item)

    assert "MZ-020" not in codes(items_search(city=catalogue.city, query="婚姻登记"))


def test_reindexing_everything_rebuilds_every_document(catalogue: Catalogue) -> None:
    SearchDocument.objects.all().delete()
    progress: list[tuple[int, int]] = []

    written = items_reindex(progress=lambda done, total: progress.append((done, total)))

    assert written == len(catalogue.items)
    assert progress[-1] == (len(catalogue.items), len(catalogue.items))
    assert codes(items_search(city=catalogue.city, query="jzz"))[:1] == ["GA-003"]


@on_sqlite
def test_stale_fts_rows_without_a_document_are_never_returned(catalogue: Catalogue) -> None:
    # pytest-django flushes model tables, not the FTS5 table, so rows of deleted documents linger.
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO catalogue_search_fts (rowid, name_tokens, body_tokens) VALUES (987654, '幽灵 事项', '')"
        )

    assert items_search(city=catalogue.city, query="幽灵") == []
    items_reindex()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM catalogue_search_fts WHERE rowid = 987654")
        assert cursor.fetchone() == (0,)


# --- queries that must never break search -------------------------------------------------------

BAD_QUERIES = [
    "低",
    "a",
    "低保" * 5_000,
    "x" * 10_000,
    "👴🏻养老",
    "'; DROP TABLE x; --",
    "<script>alert(1)</script>",
    '"',
    "'",
    "NEAR(",
    "NEAR(低保 养老, 2)",
    "*",
    "低保*",
    "AND OR NOT",
    "(((",
    "a:* & !b | c <-> d",
    "name_tokens: 低保",
    "{name_tokens body_tokens}: x",
    "^低保",
    "\\",
    "\x00",
    "%_%",
    "Пенсия 养老 pension ﷽",
    "𠀀𠀁 𪚥 〇",
    " ".join(f"词{n}" for n in range(200)),
    " ".join(["dibao"] * 100),
]


@pytest.mark.parametrize("query", BAD_QUERIES)
def test_a_strange_query_returns_a_list_and_never_raises(catalogue: Catalogue, query: str) -> None:
    hits = items_search(city=catalogue.city, query=query)
    suggestions = items_suggest(city=catalogue.city, query=query)

    assert isinstance(hits, list)
    assert isinstance(suggestions, list)


def test_random_junk_never_raises(catalogue: Catalogue) -> None:
    rng = random.Random(20261130)
    symbols = "低保养老证医外地\"'*()^:{}[]-+!&|<>@#%\\/\x00 \t\n,.;?，。、ＡＢ😀👴🏻ａ１"
    alphabet = [*symbols, "NEAR", "AND", "OR", "NOT"]
    for _ in range(200):
        query = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        assert isinstance(items_search(city=catalogue.city, query=query), list)
        assert isinstance(items_suggest(city=catalogue.city, query=query), list)


@pytest.mark.parametrize("query", ["", "   ", "？！。", "🙂"])
def test_an_empty_query_finds_nothing(catalogue: Catalogue, query: str) -> None:
    assert items_search(city=catalogue.city, query=query) == []
    assert items_suggest(city=catalogue.city, query=query) == []


def test_a_long_query_is_cut_to_a_bounded_number_of_terms(catalogue: Catalogue) -> None:
    query = " ".join(f"word{n}" for n in range(1_000)) + " 低保"

    with CaptureQueriesContext(connection) as captured:
        items_search(city=catalogue.city, query=query)

    match = next(q["sql"] for q in captured.captured_queries if "word0" in q["sql"] and "synonym" not in q["sql"])
    assert len(set(re.findall(r"word\d+", match))) <= MAX_TERMS


# --- suggestions --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [("低保申清", "MZ-001"), ("残急证", "CL-001"), ("居往证", "GA-003"), ("dibo", "MZ-001")],
)
def test_a_near_miss_suggests_the_closest_item(catalogue: Catalogue, query: str, expected: str) -> None:
    suggestions = items_suggest(city=catalogue.city, query=query)

    assert suggestions
    assert suggestions[0].code == expected


def test_suggestions_come_only_from_the_city(catalogue: Catalogue) -> None:
    publish(catalogue.other_city, "TC-002", "煤矿工人退休证补办")

    assert items_suggest(city=catalogue.city, query="煤矿工人") == []


# --- cost ---------------------------------------------------------------------------------------


def test_search_does_a_bounded_number_of_queries_however_many_hits(
    catalogue: Catalogue, django_assert_max_num_queries
) -> None:
    # synonyms; items matching every word (none), then any word, each in two tiers on PostgreSQL; items
    with django_assert_max_num_queries(6):
        hits = items_search(city=catalogue.city, query="居民 申领 登记 保险 住房 证 补贴 外地")
        names = [hit.item.current_version.name for hit in hits]

    assert len(names) >= 5


def test_suggest_does_a_bounded_number_of_queries(catalogue: Catalogue, django_assert_max_num_queries) -> None:
    # 残急证 has no right bigram, so both ways of finding candidates run: each is one query, or
    # two tiers on PostgreSQL; then one for the items.
    with django_assert_max_num_queries(5):
        suggestions = items_suggest(city=catalogue.city, query="残急证", limit=5)
        names = [item.current_version.name for item in suggestions]

    assert names


@on_postgres
@pytest.mark.parametrize("expression", ["vector", "name_vector"])
def test_the_postgres_search_expressions_are_the_indexed_ones(catalogue: Catalogue, expression: str) -> None:
    # The planner uses an expression index only for the identical expression: if search.py and
    # the migration drift apart, search silently becomes a sequential scan.
    vector = getattr(_PostgresBackend, expression)
    sql = f"SELECT document.id FROM catalogue_searchdocument document WHERE {vector} @@ %s::tsquery"

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", ["低保"])
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "Bitmap Index Scan on catalogue_searchdocument_" in plan, plan
