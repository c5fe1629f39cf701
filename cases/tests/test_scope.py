"""Who sees which case, per role × district (negative cases included)."""

import pytest

from cases import services
from cases.selectors import cases_visible_to
from cases.tests.test_workflow import submitted_case
from residents.selectors import residents_visible_to

# persona → (sees the submitted 雁塔区 case, sees it once accepted at a 雁塔区 counter)
EXPECTED = {
    "counter_clerk": (True, True),  # city-wide intake queue, then his centre's case
    "clerk_changan": (True, False),  # intake queue only while waiting for acceptance
    "reviewer": (True, True),
    "approver": (True, True),
    "changan_reviewer": (False, False),
    "city_reviewer": (False, False),
    "district_manager": (True, True),
    "city_admin": (True, True),
    "community_worker": (True, True),  # the resident lives in his community
    "auditor": (False, False),
}


@pytest.mark.parametrize(("persona", "expected"), EXPECTED.items())
def test_each_role_sees_the_cases_of_its_scope(world, item, persona, expected) -> None:  # type: ignore[no-untyped-def]
    case = submitted_case(world, item)
    viewer = world.staff[persona]
    before = cases_visible_to(viewer).filter(pk=case.pk).exists()
    services.case_accept(actor=world.staff["counter_clerk"], case=case)
    after = cases_visible_to(viewer).filter(pk=case.pk).exists()
    assert (before, after) == expected


def test_a_case_routes_a_resident_of_another_district_to_the_clerk_who_took_it(world, item) -> None:  # type: ignore[no-untyped-def]
    clerk = world.staff["counter_clerk"]  # 雁塔区
    assert world.resident_changan not in residents_visible_to(clerk)
    from cases.intake import case_start

    case_start(actor=clerk, item=item, resident=world.resident_changan)
    assert world.resident_changan in residents_visible_to(clerk), "the case at his counter routes the record to him"
    assert world.other_city_resident not in residents_visible_to(clerk)


def test_residents_see_only_their_own_cases(world, item) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import UserFactory

    case = submitted_case(world, item)
    assert list(cases_visible_to(world.resident.user)) == [case]
    neighbour = UserFactory(username="13955556666", mobile="13955556666", role="resident", city=world.city)
    assert not cases_visible_to(neighbour).exists()
