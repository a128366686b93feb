"""Demo cases for the demo county (idempotent): a few applications in different states.

Runs after ``seed_demo``/``seed_catalog``. Each demo case is created with a fixed idempotency
key, so running the command again finds the same cases and changes nothing.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from yiwang.calendar.engine import add_workdays
from yiwang.cases import services
from yiwang.cases.models import CaseStatus, Channel
from yiwang.catalog.models import ServiceItem
from yiwang.org.roles import Perm
from yiwang.org.scope import has_perm


def _user(username: str) -> Any:
    from yiwang.accounts.models import User

    return User.objects.filter(username=username).first()


def _position(user: Any, perm: str) -> Any:
    for position in user.positions.filter(is_active=True).select_related("division", "department"):
        if has_perm(position, perm):
            return position
    return None


DEMO_PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _files(version: Any, *, skip: tuple[str, ...] = ()) -> dict[int, Any]:
    """A small PDF for every material the applicant must bring (required, not 免提交)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from yiwang.cases.application import demanded

    return {m.pk: SimpleUploadedFile(f"{m.name[:40]}.pdf", DEMO_PDF, content_type="application/pdf")
            for m in version.materials.all() if demanded(m) and m.name not in skip}


def _version(name: str) -> Any:
    item = ServiceItem.objects.filter(name=name, is_active=True, published_version__isnull=False).first()
    return item.published_version if item else None


class Command(BaseCommand):
    help = "Create a handful of demo cases in various states (idempotent; demo mode only)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO_MODE:
            raise CommandError("seed_cases_demo only runs in demo mode (YIWANG_DEMO=true)")
        people = {n: _user(n) for n in ("citizen", "citizen2", "enterprise", "clerk", "dd_clerk", "agent",
                                        "szl_clerk")}
        missing = [n for n, u in people.items() if u is None]
        food, shop, elderly = _version("食品经营许可"), _version("个体工商户设立登记"), _version("高龄津贴申请")
        if missing or not (food and shop and elderly):
            self.stdout.write(f"Demo cases skipped: run seed_demo first (missing {missing or 'catalogue items'}).")
            return
        clerk, dd_clerk, agent = people["clerk"], people["dd_clerk"], people["agent"]
        clerk_pos, dd_pos = _position(clerk, Perm.CASE_ACCEPT), _position(dd_clerk, Perm.CASE_ACCEPT)
        agent_pos = _position(agent, Perm.CASE_FILE_FOR_OTHERS)
        now = timezone.now()
        created = 0

        def apply(key: str, **kwargs: Any) -> Any:
            nonlocal created
            kwargs.setdefault("files", _files(kwargs["version"]))
            case, new = services.case_apply(idempotency_key=f"demo-{key}", submit=True, **kwargs)
            created += int(new)
            return case

        # 1. Online, waiting for acceptance at the county's comprehensive window.
        apply("food-pending", version=food, actor=people["citizen"],
              form_data={"address": "莒南县十字路街道人民路 8 号", "note": "开办小餐馆"})
        # 2. An enterprise's application, accepted by the county window (一窗受理).
        case = apply("food-accepted", version=food, actor=people["enterprise"],
                     form_data={"address": "莒南县十字路街道", "delivery": "electronic"})
        if case.status == CaseStatus.SUBMITTED and clerk_pos is not None:
            services.case_accept(case=case, actor=clerk, position=clerk_pos, note="材料齐全，予以受理")
        # 3. Waiting for supplementary materials (one notice listing everything missing).
        case = apply("shop-supplement", version=shop, actor=people["citizen2"],
                     form_data={"address": "莒南县十字路街道振兴路 6 号", "note": "个体服装店"})
        if case.status == CaseStatus.SUBMITTED and clerk_pos is not None and not case.supplement_notices.exists():
            unclear = case.materials.filter(is_current=True, material__isnull=False).order_by("pk").first()
            if unclear is not None:
                services.case_request_supplement(case=case, actor=clerk, position=clerk_pos, items=[
                    {"material_id": unclear.material_id, "problem": "复印件不清晰，请重新上传"}])
        # 4. A village agent files 高龄津贴 for an elderly villager (全程代办).
        village = agent_pos.division if agent_pos else None
        if agent_pos is not None:
            case = apply("elderly-agent", version=elderly, actor=agent, position=agent_pos, channel=Channel.AGENT,
                         division=village, applicant={"name": "庄大爷", "id_number": _villager_id(),
                                                      "phone": "13800000002"})
            if case.status == CaseStatus.SUBMITTED and dd_pos is not None and case.department_id == dd_pos.department_id:
                services.case_accept(case=case, actor=dd_clerk, position=dd_pos)
        # 5. Not accepted: outside the bureau's competence, with the competent agency named.
        case = apply("shop-rejected", version=shop, actor=people["citizen"],
                     form_data={"address": "莒南县十字路街道人民路 8 号", "note": "网约车经营"})
        if case.status == CaseStatus.SUBMITTED and clerk_pos is not None:
            services.case_reject(case=case, actor=clerk, position=clerk_pos, reason="申请事项不属于本机关职权范围",
                                 outside_competence=True, competent_agency="莒南县交通运输局")
        # 6. No notice within 5 working days: deemed accepted (visible in supervision).
        received = (now - timedelta(days=20))
        case = apply("food-deemed", version=food, actor=people["citizen2"], now=received,
                     form_data={"address": "莒南县大店镇", "note": "视为受理示例"})
        if case.status == CaseStatus.SUBMITTED and add_workdays(case.materials_received_on, 5) < timezone.localdate():
            services.cases_deem_accepted()
        self.stdout.write(self.style.SUCCESS(f"Demo cases ready ({created} new)."))


def _villager_id() -> str:
    from yiwang.org.management.commands.seed_demo import demo_id_number

    return demo_id_number("19410105", "031", region="371327")
