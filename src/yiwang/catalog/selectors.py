"""Reads of the service catalogue.

The public sees published versions of active items (:func:`item_search`, :func:`guide_get`); staff
see items of departments in their scope (division subtree; departmental roles: own department).
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Case, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from yiwang.catalog import search
from yiwang.catalog.models import (
    OPEN_STATUSES,
    FeeItem,
    Material,
    ServiceItem,
    ServiceItemVersion,
    Theme,
    VersionStatus,
)
from yiwang.core.errors import NotFound, PermissionDenied
from yiwang.org.models import Department, Position
from yiwang.org.roles import STAFF_ROLES
from yiwang.org.scope import Scope


def _json_list_contains(field: str, value: str) -> Q:
    """``value`` is an element of the JSON list in ``field`` (jsonb ``@>`` on PostgreSQL)."""
    if connection.vendor == "postgresql":
        return Q(**{f"{field}__contains": [value]})
    return Q(**{f"{field}__icontains": f'"{value}"'})  # SQLite: the JSON text holds '"value"'


def published_versions() -> QuerySet[ServiceItemVersion]:
    return ServiceItemVersion.objects.filter(status=VersionStatus.PUBLISHED, item__is_active=True)


def item_search(*, q: str = "", department: str | None = None, theme: str | None = None,
                level: str | None = None, audience: str | None = None) -> QuerySet[ServiceItemVersion]:
    """Published versions matching every keyword token (Chinese segmented) and the filters;
    items whose name contains the whole query (or every token) come first."""
    qs = published_versions().select_related("item", "department")
    q = search.clean_query(q)
    if q:
        qs = search.filter_by_keywords(qs, q)
    if department:
        qs = qs.filter(department__code=department)
    if theme:
        qs = qs.filter(themes__code=theme)
    if level:
        qs = qs.filter(_json_list_contains("levels", level))
    if audience:
        qs = qs.filter(_json_list_contains("service_targets", audience))
    tokens = search.tokens_for_query(q)
    if tokens:
        every_token = Q()
        for token in tokens:
            every_token &= Q(name__icontains=token)
        qs = qs.annotate(name_rank=Case(
            When(name__icontains=q, then=Value(2)), When(every_token, then=Value(1)), default=Value(0),
            output_field=IntegerField())).order_by("-name_rank", "item__base_code")
    else:
        qs = qs.order_by("item__base_code")
    return qs.distinct() if theme else qs


def guide_get(*, base_code: str) -> ServiceItemVersion:
    """The published version behind a public guide (办事指南), with its materials and fees."""
    version = (
        published_versions().filter(item__base_code=base_code)
        .select_related("item", "department", "department__division", "entrusted_department", "process")
        .prefetch_related("joint_departments", "themes",
                          Prefetch("materials", queryset=Material.objects.order_by("order", "id")),
                          Prefetch("fee_items", queryset=FeeItem.objects.order_by("id")))
        .first()
    )
    if version is None:
        raise NotFound(_("事项不存在或未发布"), details={"base_code": base_code})
    return version


def search_filters() -> dict[str, object]:
    """Choices for the public search form: departments with published items, themes."""
    department_ids = published_versions().values_list("department_id", flat=True).distinct()
    return {
        "departments": Department.objects.filter(pk__in=department_ids).order_by("code"),
        "themes": Theme.objects.all(),
    }


# --- staff -------------------------------------------------------------------------------------

def _require_staff(position: Position | None) -> Position:
    if position is None or not position.is_active or position.role not in STAFF_ROLES:
        raise PermissionDenied(_("当前岗位无权查看事项目录管理"))
    return position


def item_list_for_position(*, position: Position | None, q: str = "") -> QuerySet[ServiceItem]:
    """Items of the departments in ``position``'s scope, with their published version."""
    position = _require_staff(position)
    scope = Scope.of(position)
    qs = ServiceItem.objects.filter(department__division__path__startswith=scope.division_path)
    if scope.department_id is not None:
        qs = qs.filter(department_id=scope.department_id)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(base_code__icontains=q))
    return qs.select_related("department", "published_version").order_by("base_code")


def item_get_for_position(*, position: Position | None, base_code: str) -> ServiceItem:
    item = item_list_for_position(position=position).filter(base_code=base_code).first()
    if item is None:
        raise NotFound(_("事项不存在或不在本岗位管辖范围内"), details={"base_code": base_code})
    return item


def version_list_for_item(*, position: Position | None, item: ServiceItem) -> QuerySet[ServiceItemVersion]:
    item_get_for_position(position=position, base_code=item.base_code)
    return item.versions.select_related("created_by", "submitted_by", "reviewed_by").order_by("-number")


def version_get_for_position(*, position: Position | None, base_code: str, number: int) -> ServiceItemVersion:
    item = item_get_for_position(position=position, base_code=base_code)
    version = (
        item.versions.filter(number=number)
        .select_related("item", "department", "department__division", "entrusted_department", "process")
        .prefetch_related("joint_departments", "themes", "materials", "fee_items")
        .first()
    )
    if version is None:
        raise NotFound(_("版本不存在"), details={"base_code": base_code, "number": number})
    return version


def open_version(item: ServiceItem) -> ServiceItemVersion | None:
    return item.versions.filter(status__in=OPEN_STATUSES).first()


def working_versions_for_position(*, position: Position | None) -> list[ServiceItemVersion]:
    """For export: each item's open version if it has one, else its published (else latest) version."""
    items = item_list_for_position(position=position)
    versions = (
        ServiceItemVersion.objects.filter(item__in=items)
        .select_related("item", "department", "entrusted_department")
        .prefetch_related("joint_departments", "themes", "materials", "fee_items")
        .order_by("item__base_code", "-number")
    )
    chosen: dict[int, ServiceItemVersion] = {}
    for version in versions:
        current = chosen.get(version.item_id)
        if current is None:
            chosen[version.item_id] = version
        elif current.status not in OPEN_STATUSES and version.status in OPEN_STATUSES:
            chosen[version.item_id] = version
        elif (current.status not in OPEN_STATUSES and current.status != VersionStatus.PUBLISHED
              and version.status == VersionStatus.PUBLISHED):
            chosen[version.item_id] = version
    return list(chosen.values())
