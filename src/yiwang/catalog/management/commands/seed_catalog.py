"""Load the demo catalogue (about 60 published items) for the demo county. Idempotent: items whose
基本编码 already exists are left alone. Needs the demo departments (``seed_demo``)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from yiwang.catalog import demo_items, search, services
from yiwang.catalog.models import ServiceItem
from yiwang.org import demo_data
from yiwang.org.models import Department

PROCESS_NAMES = {
    "standard": "标准流程（受理→审查→决定→办结）",
    "township_county": "乡镇初审、县级决定",
    "village_agent": "村级代办、乡镇办理",
}


def base_code_for(index: int, spec: dict[str, Any]) -> str:
    department_no = [code for code, _name, _short in demo_data.DEPARTMENTS].index(spec["dep"]) + 1
    return f"{demo_items.TYPE_CODES[spec['type']]}{department_no:03d}{index:04d}000"


def _fields(spec: dict[str, Any], process: Any) -> dict[str, Any]:
    statutory, promised = spec["limits"]
    unit = spec.get("unit", "workdays")
    county_only = spec["levels"] == ["county"]
    return {
        "name": spec["name"], "other_names": spec.get("other", ""), "item_type": spec["type"],
        "legal_basis": spec["basis"], "power_source": "法定本级行使",
        "business_kind": spec.get("business_kind", "new"), "levels": spec["levels"],
        "service_targets": spec["targets"], "acceptance_conditions": spec.get("conditions", ""),
        "handling_form": "网上办理、窗口办理" + ("" if county_only else "、村（社区）代办"),
        "statutory_limit": statutory, "statutory_unit": unit, "promised_limit": promised, "promised_unit": unit,
        "limit_note": spec.get("limit_note", ""), "special_procedures": spec.get("special", ""),
        "result_name": spec["result"][0], "result_type": spec["result"][1],
        "licence_template": spec.get("template", "general" if spec["result"][1] == "licence" else ""),
        "onsite_visits": spec.get("onsite", 1), "online_depth": spec.get("depth", 3),
        "express_delivery": spec.get("express", False), "online_payment": bool(spec.get("fees")),
        "booking": spec.get("booking", True),
        "place": demo_items.COUNTY_HALL if county_only else f"{demo_items.COUNTY_HALL}；{demo_items.TOWN_HALL}",
        "hours": demo_items.COUNTY_HOURS if county_only else f"{demo_items.COUNTY_HOURS}；乡镇 {demo_items.TOWN_HOURS}",
        "consult_phone": "0539-7212345", "complaint_phone": "12345",
        "faq": spec.get("faq", []), "themes": spec.get("themes", []),
        "joint_departments": spec.get("joint", []), "process": process,
    }


class Command(BaseCommand):
    help = "Load the demo service catalogue (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        from yiwang.workflow.services import process_from_template

        departments = {d.code: d for d in Department.objects.filter(code__in={s["dep"] for s in demo_items.ITEMS})}
        existing = set(ServiceItem.objects.values_list("base_code", flat=True))
        created = skipped = 0
        processes: dict[tuple, Any] = {}
        with transaction.atomic():
            for index, spec in enumerate(demo_items.ITEMS, start=1):
                base_code = base_code_for(index, spec)
                department = departments.get(spec["dep"])
                if base_code in existing or department is None:
                    skipped += 1
                    continue
                kind = spec.get("process", "standard")
                joint = tuple(spec.get("joint", []))
                key = (kind, joint, spec["name"] if kind == "joint" else "")
                if key not in processes:
                    processes[key] = process_from_template(
                        kind=kind, name=f"{spec['name']}联审流程" if kind == "joint" else PROCESS_NAMES[kind],
                        departments=list(joint) or None)
                draft = services.item_create(
                    base_code=base_code, department=department, fields=_fields(spec, processes[key]),
                    materials=spec.get("materials", []), fees=spec.get("fees", []), system=True)
                services.version_submit(version=draft, system=True)
                services.version_publish(version=draft, system=True,
                                         note="" if spec.get("materials") else "无需申请材料")
                created += 1
            search.rebuild_index()
        self.stdout.write(self.style.SUCCESS(
            f"Demo catalogue: {created} items published, {skipped} skipped (already present or no department)."))
