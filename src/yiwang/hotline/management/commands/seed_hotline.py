"""Seed the hotline demo: matter types, the dispatch catalogue, service levels, knowledge base and
a few hundred tickets (``hotline.demo_tickets``). Idempotent; needs ``seed_demo``'s county.

The historical tickets are bulk-inserted (they describe the past, so they bypass the live
services and their notifications); each gets its assignment, approved reply and, when closed,
a callback, so statistics and the classifier see a realistic history. An audit event records the seeding.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from yiwang.core import crypto
from yiwang.core.audit import audit_record
from yiwang.core.masking import mask_phone, mask_text
from yiwang.hotline.demo_tickets import MATTER_TYPES, URBAN_TOWNSHIP, demo_ticket_rows
from yiwang.hotline.models import (
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    Callback,
    DispatchRule,
    HotlineConfig,
    KnowledgeArticle,
    KnowledgeStatus,
    MatterType,
    PublicationStatus,
    Reply,
    ReplyStatus,
    ServiceLevel,
    Ticket,
    TicketEvent,
    TicketStatus,
)
from yiwang.hotline.segmentation import search_text
from yiwang.org.demo_data import COUNTY, TOWNSHIPS
from yiwang.org.models import Department, Division

KB: list[tuple[str, str, str, str, str]] = [
    # (department, title, question, answer, tags)
    ("MEDICARE", "异地就医住院费用报销", "在外地住院的费用回来怎么报销？",
     "已备案的异地就医可直接结算；未备案的，持身份证、住院发票、费用清单、出院记录到县医保局窗口或“爱山东”APP 申请手工报销。", "医保 报销 异地"),
    ("MEDICARE", "门诊慢特病待遇申请", "慢性病门诊待遇怎么申请？",
     "携带近两年病历、检查报告到定点医院或医保窗口申请鉴定，鉴定通过后次月起享受待遇。", "医保 慢性病"),
    ("MEDICARE", "城乡居民医保缴费", "城乡居民医保在哪里交、交多少？",
     "每年9月至12月集中缴费，可通过“爱山东”APP、银行网点或村（社区）代缴，标准以当年公告为准。", "医保 缴费"),
    ("HRSS", "灵活就业人员养老保险缴费", "灵活就业人员怎么交养老保险？",
     "可通过“爱山东”APP 或人社窗口办理参保登记，按年选择缴费档次，通过银行代扣缴纳。", "养老 社保 缴费"),
    ("HRSS", "养老保险关系转移接续", "外地交的社保回莒南怎么转？",
     "在新参保地申请转移接续，提供身份证和原参保地缴费凭证，经办机构通过全国系统联系转出地办理。", "社保 转移"),
    ("HRSS", "拖欠工资怎么维权", "老板欠工资不给怎么办？",
     "可向县人社局劳动保障监察大队投诉举报（需提供劳动关系证明、欠薪金额），或申请劳动争议仲裁。", "工资 欠薪 维权"),
    ("PS", "新生儿落户", "孩子出生后上户口需要哪些材料？",
     "持出生医学证明、父母户口簿和身份证、结婚证，到父亲或母亲户籍所在地派出所办理。", "户口 出生"),
    ("PS", "身份证异地补领", "身份证丢了在外地能补办吗？",
     "可在全国任一公安户籍窗口申请异地补领，一般20个工作日内制证，可选择邮寄。", "身份证 补办"),
    ("EDU", "小学一年级招生报名", "孩子上小学去哪个学校报名？",
     "按“户籍+房产”划片入学，每年7月在县教体局网站公布学区和网上报名时间。", "入学 招生"),
    ("EDU", "随迁子女入学", "随迁子女在县城上学需要什么材料？",
     "提供居住证（或居住登记）、务工或经商证明、户口簿，按教体局公布的时间网上报名，统筹安排学位。", "随迁子女 入学"),
    ("CIVIL", "最低生活保障申请条件", "低保申请的条件是什么？",
     "家庭人均收入低于当地低保标准且家庭财产符合规定的，向户籍所在地镇（街道）申请，经入户调查、民主评议、公示后审批。", "低保 救助"),
    ("CIVIL", "临时救助申请", "家里遭遇大病困难可以申请临时救助吗？",
     "因重病等导致基本生活暂时困难的，可向镇（街道）申请临时救助，紧急情况可先行救助。", "临时救助"),
    ("AGRI", "耕地地力保护补贴发放", "耕地地力保护补贴什么时候发？",
     "补贴一般每年上半年通过“一卡通”发放，面积以确权面积为准，有异议可向镇农业站反映。", "补贴 耕地"),
    ("AGRI", "农机购置补贴申请", "买农机有补贴吗？",
     "购买补贴目录内的农机具，可在购机后到县农业农村局或通过补贴申请系统提交申请。", "农机 补贴"),
    ("TRANSPORT", "老年人免费乘车卡办理", "老年人免费乘公交的卡在哪办？",
     "65周岁以上老年人持身份证到县公交公司营业厅办理老年卡。", "公交 老年卡"),
    ("HOUSING", "更换物业公司的程序", "业主想换物业公司怎么办？",
     "由业主委员会或镇（街道）指导召开业主大会，经专有部分面积和人数均过半数同意，可解聘并选聘新物业。", "物业 业主大会"),
    ("HOUSING", "住房公积金提取", "公积金怎么提取？",
     "购房、租房、退休等情形可提取，持身份证和相关证明到公积金窗口或通过线上渠道办理。", "公积金"),
    ("SAMR", "消费纠纷投诉渠道", "买到假货商家不退怎么办？",
     "可拨打12315或登录全国12315平台投诉，保留购物凭证和证据。", "消费 维权 12315"),
    ("WATER", "农村集中供水接入", "想接自来水找哪个部门？",
     "由村委会统一向县水利局（供水公司）申请管网延伸，入户费用按县物价部门核定标准。", "供水 自来水"),
    ("ENFORCE", "夜间施工噪音投诉", "工地晚上施工太吵怎么办？",
     "晚22时至次日6时禁止产生噪声污染的施工作业（抢修、抢险除外），可拨打12345反映，执法部门核实处理。", "噪音 施工"),
]


class Command(BaseCommand):
    help = "Seed 12345 hotline demo data (catalogue, service levels, knowledge base, tickets). Idempotent."

    def handle(self, *args: Any, **options: Any) -> None:
        county = Division.objects.filter(code=COUNTY[0], valid_to__isnull=True).first()
        if county is None:
            self.stdout.write(self.style.WARNING("No demo county: run seed_demo first."))
            return
        departments = {d.code: d for d in Department.objects.all()}
        divisions = {d.code: d for d in Division.objects.filter(path__startswith=county.path, valid_to__isnull=True)}
        with transaction.atomic():
            HotlineConfig.objects.get_or_create(pk=1, defaults={"max_reopens": 2, "duplicate_window_days": 30})
            for category, urgency, budget, unit, yellow in (("", "urgent", 24, "hours", 4), ("", "normal", 5, "workdays", None),
                                                            ("consult", "normal", 1, "workdays", 0)):
                ServiceLevel.objects.get_or_create(category=category, urgency=urgency,
                                                   defaults={"budget": budget, "unit": unit,
                                                             "yellow_threshold": yellow})
            matters = self._catalogue(departments, divisions)
            kb = self._knowledge(departments)
            created = self._tickets(matters, departments, divisions)
            audit_record(action="demo.seed_hotline", object_type="system", object_id="seed_hotline",
                         after={"matter_types": len(matters), "kb": kb, "tickets_created": created})
        self.stdout.write(self.style.SUCCESS(
            f"Hotline ready: {len(matters)} matter types, {DispatchRule.objects.count()} catalogue rules, "
            f"{kb} KB articles, {created} new tickets ({Ticket.objects.count()} in all)."))
        if created:
            # Smart dispatch starts trained on the demo tickets (retrained nightly afterwards).
            from yiwang.hotline.classifier import retrain_from_db

            metrics = retrain_from_db()
            if "skipped" not in metrics:
                self.stdout.write(f"Dispatch classifier trained: {metrics}")

    def _catalogue(self, departments: dict[str, Department], divisions: dict[str, Division]) -> dict[str, MatterType]:
        matters: dict[str, MatterType] = {}
        for code, name, category, unit, assisting, township_owned in MATTER_TYPES:
            matter, _ = MatterType.objects.get_or_create(code=code, defaults={"name": name,
                                                                              "default_category": category})
            matters[code] = matter
            rule, made = DispatchRule.objects.get_or_create(matter_type=matter, division=None, is_active=True,
                                                            defaults={"lead_unit": departments[unit]})
            if made:
                rule.assisting_units.set([departments[c] for c in assisting if c in departments])
            if township_owned:
                for t3, _name, _villages in TOWNSHIPS:
                    if code == "ILLEGAL_BUILDING" and t3 == URBAN_TOWNSHIP:
                        continue
                    township = divisions.get(f"{COUNTY[0]}{t3}000")
                    dep = departments.get(f"T-{t3}")
                    if township and dep:
                        DispatchRule.objects.get_or_create(matter_type=matter, division=township, is_active=True,
                                                           defaults={"lead_unit": dep})
        return matters

    def _knowledge(self, departments: dict[str, Department]) -> int:
        today = timezone.localdate()
        now = timezone.now()
        for i, (dep, title, question, answer, tags) in enumerate(KB):
            if KnowledgeArticle.objects.filter(title=title).exists():
                continue
            article = KnowledgeArticle(title=title, question=question, answer=answer, tags=tags,
                                       department=departments[dep], status=KnowledgeStatus.PUBLISHED,
                                       published_at=now, expires_on=today + timedelta(days=365 if i % 7 else 30))
            article.search_text = search_text(title, question, answer, tags)
            article.save()
        return KnowledgeArticle.objects.count()

    def _tickets(self, matters: dict[str, MatterType], departments: dict[str, Department],
                 divisions: dict[str, Division]) -> int:
        rows = demo_ticket_rows()
        have = set(Ticket.objects.filter(idempotency_key__in=[r["key"] for r in rows])
                   .values_list("idempotency_key", flat=True))
        rows = [r for r in rows if r["key"] not in have]
        if not rows:
            return 0
        now = timezone.now()
        tickets = []
        for r in rows:
            created = now - timedelta(days=r["days_ago"], hours=int(r["key"][-4:]) % 9)
            status = {"closed": TicketStatus.CLOSED, "replied": TicketStatus.CALLBACK,
                      "handling": TicketStatus.HANDLING, "dispatched": TicketStatus.DISPATCHED}[r["outcome"]]
            replied = created + timedelta(days=2) if r["outcome"] in ("closed", "replied") else None
            t = Ticket(number=f"D{r['key'][-4:]}", category=r["category"], channel=r["channel"],
                       urgency=r["urgency"], title=r["title"], content=r["content"], caller_name=r["caller_name"],
                       caller_phone_enc=crypto.encrypt(r["caller_phone"], associated=b"ticket-phone"),
                       caller_phone_index=crypto.blind_index(r["caller_phone"], purpose="phone"),
                       caller_phone_masked=mask_phone(r["caller_phone"]), publish_consent=r["publish_consent"],
                       # demo letters with consent count as reviewed for publication (公开审核)
                       publication_status=(PublicationStatus.APPROVED if r["publish_consent"] else PublicationStatus.PENDING),
                       published_title=mask_text(r["title"]) if r["publish_consent"] else "",
                       published_content=mask_text(r["content"]) if r["publish_consent"] else "",
                       division=divisions.get(r["division_code"]) or divisions.get(r["township_code"]),
                       matter_type=matters[r["matter_type"]], status=status,
                       lead_unit=departments.get(r["unit_code"]), idempotency_key=r["key"], created_at=created,
                       dispatched_at=created + timedelta(minutes=30), replied_at=replied,
                       expected_at=created + timedelta(days=7),
                       closed_at=created + timedelta(days=3) if status == TicketStatus.CLOSED else None)
            tickets.append(t)
        Ticket.objects.bulk_create(tickets, batch_size=500)
        saved = {t.idempotency_key: t for t in Ticket.objects.filter(idempotency_key__in=[r["key"] for r in rows])}
        for t in saved.values():
            t.number = f"{timezone.localdate(t.created_at):%Y%m%d}{t.pk:06d}"
        Ticket.objects.bulk_update(list(saved.values()), ["number"], batch_size=500)
        assignments, replies, callbacks, events = [], [], [], []
        for r in rows:
            t = saved[r["key"]]
            if t.lead_unit is None:
                continue
            done = r["outcome"] in ("closed", "replied")
            assignments.append(Assignment(ticket=t, unit=t.lead_unit, role=AssignmentRole.LEAD,
                                          status=AssignmentStatus.DONE if done else AssignmentStatus.ACCEPTED,
                                          dispatched_at=t.dispatched_at))  # type: ignore[misc]
            events.append(TicketEvent(ticket=t, kind="registered", text="电话受理", at=t.created_at))
            events.append(TicketEvent(ticket=t, kind="dispatched", text=f"派至{t.lead_unit.name}主办",
                                      unit=t.lead_unit, at=t.dispatched_at))  # type: ignore[misc]
            if t.dispatched_at is not None:
                # 签收: most units sign within hours; every 13th ticket only after more than a day.
                delay = timedelta(hours=30) if t.pk % 13 == 0 else timedelta(minutes=20 + (t.pk % 7) * 25)
                events.append(TicketEvent(ticket=t, kind="accepted", text=f"{t.lead_unit.name}签收",
                                          unit=t.lead_unit, at=t.dispatched_at + delay))
            if done:
                replies.append(Reply(ticket=t, unit=t.lead_unit, content=r["reply"], status=ReplyStatus.APPROVED,
                                     submitted_at=t.replied_at, reviewed_at=t.replied_at, sent_at=t.replied_at))  # type: ignore[misc]
            if r["outcome"] == "closed":
                callbacks.append(Callback(ticket=t, method="phone", satisfaction=r["satisfaction"],
                                          resolved=r["satisfaction"] != "unsatisfied", recorded_at=t.closed_at))  # type: ignore[misc]
        Assignment.objects.bulk_create(assignments, batch_size=500)
        Reply.objects.bulk_create(replies, batch_size=500)
        Callback.objects.bulk_create(callbacks, batch_size=500)
        TicketEvent.objects.bulk_create(events, batch_size=1000)
        return len(rows)
