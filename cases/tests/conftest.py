import io
from typing import Any

import pytest
from PIL import Image

from catalogue.models import ServiceItem
from catalogue.services import item_create, item_publish
from catalogue.tests.conftest import guide_content


def jpeg_bytes(colour: str = "red", size: tuple[int, int] = (64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.ONEWINDOW_PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.ONEWINDOW_PRIVATE_MEDIA_ROOT


@pytest.fixture
def item(world) -> ServiceItem:  # type: ignore[no-untyped-def]
    """A district-level civil-affairs item needing two photos: ID card and income proof."""
    content = guide_content(
        promised_days=5,
        form_definition=[
            {
                "name": "applicant_name",
                "label": "申请人",
                "type": "text",
                "required": True,
                "registry_fact": "identity",
            },
            {"name": "phone", "label": "联系电话", "type": "text", "required": True, "registry_fact": "mobile"},
            {"name": "members", "label": "家庭人口", "type": "number", "required": True, "min": 1},
        ],
        materials=[
            {"name": "居民身份证", "form": "copy"},
            {"name": "收入证明", "form": "copy"},
        ],
    )
    created = item_create(
        actor=None, city=world.city, code="CA-001", department_kind="civil_affairs", handling_level="district",
        content=content,
    )  # fmt: skip
    item_publish(actor=None, version=created.versions.get())
    return ServiceItem.objects.get(pk=created.pk)


def slots(item: ServiceItem) -> list[int]:
    assert item.current_version is not None
    return list(item.current_version.materials.order_by("position").values_list("pk", flat=True))


def form(**overrides: Any) -> dict[str, Any]:
    return {"applicant_name": "王建国", "phone": "13900000001", "members": "3", **overrides}
