"""Organisation: administrative divisions (行政区划), departments, halls, windows and positions."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.org.roles import DEPARTMENTAL_ROLES, Role


class DivisionLevel(models.TextChoices):
    COUNTY = "county", _("县/市")
    TOWNSHIP = "township", _("乡镇/街道")
    VILLAGE = "village", _("村/社区")


class Division(models.Model):
    """行政区划: a node of the county → township → village tree.

    ``code`` is the GB/T 2260 code (6 digits) or the 12-digit statistical code. Codes change
    over time, so a division keeps its validity dates and superseded rows stay in the table.
    ``path`` (codes joined by "/") makes subtree queries one indexed ``startswith``.
    """

    code = models.CharField(_("区划代码"), max_length=12)
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=10, choices=DivisionLevel.choices)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")
    path = models.CharField(max_length=255, db_index=True, editable=False)
    valid_from = models.DateField(_("启用日期"), default=date(2000, 1, 1))
    valid_to = models.DateField(_("停用日期"), null=True, blank=True)
    superseded_by = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("沿革至")
    )

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["code", "valid_from"], name="division_code_valid_from_unique"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="division_validity_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.path = f"{self.parent.path}{self.code}/" if self.parent_id and self.parent else f"/{self.code}/"
        super().save(*args, **kwargs)

    @property
    def is_current(self) -> bool:
        return self.valid_to is None or self.valid_to >= timezone.localdate()

    def ancestors(self) -> list[Division]:
        node, chain = self.parent, []
        while node is not None:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))

    def full_name(self) -> str:
        return "".join(d.name for d in [*self.ancestors(), self])


class Department(models.Model):
    """部门: a government department or agency at some division."""

    name = models.CharField(_("名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=30, blank=True)
    code = models.CharField(_("机构代码"), max_length=30, unique=True)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    division = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="departments")
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="units")
    is_active = models.BooleanField(_("有效"), default=True)

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        ordering = ["division__code", "code"]

    def __str__(self) -> str:
        return self.name


class ServiceHall(models.Model):
    """政务服务中心 / 便民服务中心 / 便民服务站."""

    name = models.CharField(_("名称"), max_length=100)
    division = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="halls")
    address = models.CharField(_("地址"), max_length=200, blank=True)
    hours = models.CharField(_("办公时间"), max_length=200, blank=True)
    phone = models.CharField(_("咨询电话"), max_length=30, blank=True)
    is_active = models.BooleanField(_("有效"), default=True)

    class Meta:
        verbose_name = _("服务大厅")
        verbose_name_plural = _("服务大厅")
        ordering = ["division__code", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def level(self) -> str:
        return self.division.level


class Window(models.Model):
    """窗口: a counter in a hall, staffed for one or more departments."""

    hall = models.ForeignKey(ServiceHall, on_delete=models.PROTECT, related_name="windows")
    number = models.CharField(_("窗口号"), max_length=10)
    name = models.CharField(_("名称"), max_length=100)
    departments = models.ManyToManyField(Department, blank=True, related_name="windows", verbose_name=_("进驻部门"))
    is_comprehensive = models.BooleanField(_("综合受理窗口"), default=False)
    is_active = models.BooleanField(_("有效"), default=True)

    class Meta:
        verbose_name = _("窗口")
        verbose_name_plural = _("窗口")
        ordering = ["hall", "number"]
        constraints = [models.UniqueConstraint(fields=["hall", "number"], name="window_number_unique")]

    def __str__(self) -> str:
        return _("%(hall)s %(number)s号窗口") % {"hall": self.hall.name, "number": self.number}


class Position(models.Model):
    """岗位: what one person may do, where. A person may hold several."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="positions")
    role = models.CharField(_("角色"), max_length=30, choices=Role.choices)
    division = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="positions")
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="positions"
    )
    window = models.ForeignKey(Window, on_delete=models.SET_NULL, null=True, blank=True, related_name="positions")
    title = models.CharField(_("职务"), max_length=100, blank=True)
    is_active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("岗位")
        verbose_name_plural = _("岗位")
        ordering = ["user_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "division", "department"], name="position_unique_assignment"
            ),
            models.UniqueConstraint(
                fields=["user", "role", "division"],
                condition=Q(department__isnull=True),
                name="position_unique_assignment_no_department",
            ),
        ]

    def __str__(self) -> str:
        where = self.department.name if self.department_id and self.department else self.division.name
        return f"{where} · {self.get_role_display()}"

    @property
    def is_departmental(self) -> bool:
        return self.role in DEPARTMENTAL_ROLES and self.department_id is not None
