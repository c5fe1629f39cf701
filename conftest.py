"""Shared fixtures: a small city with two districts, and the named personas of STYLE.md.

World: 雁塔区 (home district of most staff) and 长安区 ("another district"), both in one city;
a second city for tenant isolation.
"""

from dataclasses import dataclass

import pytest

from accounts.models import Role, User
from core.models import City, Community, Department, District, ServiceCentre
from residents.models import Resident
from tests.factories import (
    PASSWORD,
    CityFactory,
    CommunityFactory,
    DepartmentFactory,
    DistrictFactory,
    ResidentFactory,
    ServiceCentreFactory,
    SubdistrictFactory,
    UserFactory,
)

pytest_plugins = ["tests.browser.fixtures"]


@dataclass
class World:
    city: City
    yanta: District
    changan: District
    yanta_community: Community
    changan_community: Community
    yanta_centre: ServiceCentre
    changan_centre: ServiceCentre
    yanta_civil_affairs: Department
    city_civil_affairs: Department
    resident: Resident
    resident_changan: Resident
    other_city_resident: Resident
    staff: dict[str, User]


@pytest.fixture
def world(db: None) -> World:
    city = CityFactory()
    yanta = DistrictFactory(city=city, code="610113", name="雁塔区")
    changan = DistrictFactory(city=city, code="610116", name="长安区")
    yanta_sub = SubdistrictFactory(district=yanta, name="小寨路街道")
    changan_sub = SubdistrictFactory(district=changan, name="韦曲街道")
    yanta_community = CommunityFactory(subdistrict=yanta_sub, name="长延堡社区")
    changan_community = CommunityFactory(subdistrict=changan_sub, name="韦曲北街社区")
    yanta_centre = ServiceCentreFactory(subdistrict=yanta_sub)
    changan_centre = ServiceCentreFactory(subdistrict=changan_sub)
    yanta_civil = DepartmentFactory(district=yanta)
    city_civil = DepartmentFactory(district=None, city=city, level=Department.Level.CITY, name="市民政局")
    changan_civil = DepartmentFactory(district=changan)
    other_city = CityFactory(code="610200", name="铜川市", case_prefix="TC")
    other_district = DistrictFactory(city=other_city, code="610202", name="王益区")
    other_community = CommunityFactory(subdistrict=SubdistrictFactory(district=other_district))

    resident_user = UserFactory(username="13900000001", mobile="13900000001", role=Role.RESIDENT, city=city)
    staff = {
        "community_worker": UserFactory(username="worker", role=Role.COMMUNITY_WORKER, community=yanta_community),
        "counter_clerk": UserFactory(username="clerk", role=Role.COUNTER_CLERK, service_centre=yanta_centre),
        "reviewer": UserFactory(username="reviewer", role=Role.REVIEWER, department=yanta_civil),
        "approver": UserFactory(username="approver", role=Role.APPROVER, department=yanta_civil),
        "district_manager": UserFactory(username="manager", role=Role.DISTRICT_MANAGER, district=yanta),
        "city_admin": UserFactory(username="admin", role=Role.CITY_ADMIN, is_staff=True),
        "auditor": UserFactory(username="auditor", role=Role.AUDITOR),
        "clerk_changan": UserFactory(username="clerk_changan", role=Role.COUNTER_CLERK, service_centre=changan_centre),
        "city_reviewer": UserFactory(username="city_reviewer", role=Role.REVIEWER, department=city_civil),
        "changan_reviewer": UserFactory(username="changan_reviewer", role=Role.REVIEWER, department=changan_civil),
    }
    return World(
        city=city,
        yanta=yanta,
        changan=changan,
        yanta_community=yanta_community,
        changan_community=changan_community,
        yanta_centre=yanta_centre,
        changan_centre=changan_centre,
        yanta_civil_affairs=yanta_civil,
        city_civil_affairs=city_civil,
        resident=ResidentFactory(community=yanta_community, user=resident_user, name="王建国", mobile="13900000001"),
        resident_changan=ResidentFactory(community=changan_community, name="李秀英"),
        other_city_resident=ResidentFactory(community=other_community, name="赵铁柱"),
        staff=staff,
    )


@pytest.fixture
def password() -> str:
    return PASSWORD
