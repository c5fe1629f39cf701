import datetime as dt
from typing import Any

import pytest

from accounts.models import Role
from catalogue.models import ServiceItem
from catalogue.services import item_create, item_publish, negative_list_add
from core.models import Department
from tests.factories import DepartmentFactory, UserFactory


def guide_content(**overrides: Any) -> dict[str, Any]:
    content: dict[str, Any] = {
        "name": "最低生活保障申请",
        "short_name": "低保申请",
        "aliases": ["低保"],
        "keywords": ["救助"],
        "summary": "家庭人均收入低于当地低保标准的居民可申请。",
        "conditions": "持有本市户籍。",
        "statutory_days": 30,
        "promised_days": 20,
        "kind": "promise",
        "max_visits": 0,
        "process_steps": [{"name": "网上申请", "on_site": False}],
        "form_definition": [{"name": "members", "label": "家庭人口", "type": "number", "required": True, "min": 1}],
        "materials": [{"name": "居民身份证", "form": "electronic"}],
    }
    content.update(overrides)
    return content


@pytest.fixture
def editors(world):  # type: ignore[no-untyped-def]
    """An editor of the city's civil affairs bureau, and one of human resources."""
    hr = DepartmentFactory(
        district=None,
        city=world.city,
        level=Department.Level.CITY,
        kind=Department.Kind.HUMAN_RESOURCES,
        name="市人社局",
    )
    return {
        "civil": UserFactory(
            username="editor", role=Role.CATALOGUE_EDITOR, department=world.city_civil_affairs, is_staff=True
        ),
        "hr": UserFactory(username="editor_hr", role=Role.CATALOGUE_EDITOR, department=hr, is_staff=True),
        "hr_department": hr,
    }


@pytest.fixture
def published_item(world, editors):  # type: ignore[no-untyped-def]
    item = item_create(
        actor=editors["civil"],
        city=world.city,
        code="CA-001",
        department_kind="civil_affairs",
        handling_level="district",
        content=guide_content(),
    )
    item_publish(actor=editors["civil"], version=item.versions.get())
    return ServiceItem.objects.get(pk=item.pk)


def list_step(item, world, step="入户调查", target=dt.date(2027, 6, 30)):  # type: ignore[no-untyped-def]
    return negative_list_add(
        actor=None,
        item=item,
        step=step,
        reason="需入户核查家庭经济状况",
        owner_department=world.yanta_civil_affairs,
        target_date=target,
        listed_on=dt.date(2026, 3, 1),
    )
