"""Factories for the places, people and roles every test builds on. Residents are synthetic."""

import datetime as dt
import random

import factory

from accounts.models import Role, User
from core.identity import Sex, make_citizen_id
from core.models import City, Community, Department, District, ServiceCentre, Subdistrict
from residents.models import Resident

PASSWORD = "correct-horse-battery"


class CityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = City
        django_get_or_create = ("code",)

    code = "610100"
    name = "西安市"
    name_en = "Xi'an"
    case_prefix = "XA"


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District
        django_get_or_create = ("code",)

    city = factory.SubFactory(CityFactory)
    code = factory.Sequence(lambda n: f"6101{n + 13:02d}")
    name = factory.Sequence(lambda n: f"测试区{n}")


class SubdistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subdistrict

    district = factory.SubFactory(DistrictFactory)
    code = factory.Sequence(lambda n: f"S{n:08d}")
    name = factory.Sequence(lambda n: f"测试街道{n}")


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Community

    subdistrict = factory.SubFactory(SubdistrictFactory)
    code = factory.Sequence(lambda n: f"C{n:010d}")
    name = factory.Sequence(lambda n: f"测试社区{n}")


class ServiceCentreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceCentre

    subdistrict = factory.SubFactory(SubdistrictFactory)
    district = factory.SelfAttribute("subdistrict.district")
    city = factory.SelfAttribute("district.city")
    code = factory.Sequence(lambda n: f"SC-{n:06d}")
    name = factory.Sequence(lambda n: f"社区事务受理服务中心{n}")
    address = "测试路1号"


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    district = factory.SubFactory(DistrictFactory)
    city = factory.SelfAttribute("district.city")
    level = Department.Level.DISTRICT
    kind = Department.Kind.CIVIL_AFFAIRS
    code = factory.Sequence(lambda n: f"DEP-{n:05d}")
    name = factory.LazyAttribute(lambda o: f"{o.district.name}民政局")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    role = Role.COUNTER_CLERK
    city = factory.SubFactory(CityFactory)
    display_name = factory.Sequence(lambda n: f"工作人员{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        if create:
            obj.save()


_sequence = iter(range(10**6))


def synthetic_id_number(*, region_code: str = "610113", birth_date: dt.date | None = None, sex: str = Sex.MALE) -> str:
    n = next(_sequence)
    return make_citizen_id(
        region_code=region_code,
        birth_date=birth_date or dt.date(1960, 1, 1) + dt.timedelta(days=n * 37 % 15000),
        sex=sex,
        sequence=n,
        rng=random.Random(n),
    )


class ResidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resident

    community = factory.SubFactory(CommunityFactory)
    city = factory.SelfAttribute("community.subdistrict.district.city")
    name = factory.Sequence(lambda n: f"居民{n}")
    id_number = factory.LazyAttribute(lambda o: synthetic_id_number(region_code=o.community.subdistrict.district.code))
    birth_date = factory.LazyAttribute(
        lambda o: dt.date(int(o.id_number[6:10]), int(o.id_number[10:12]), int(o.id_number[12:14]))
    )
    sex = factory.LazyAttribute(lambda o: Sex.MALE if int(o.id_number[16]) % 2 else Sex.FEMALE)
    mobile = factory.Sequence(lambda n: f"137{n:08d}")
