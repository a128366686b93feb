"""Build the demo county (莒南县): divisions, departments, halls, windows, staff for every role,
citizens and enterprises. Idempotent: running it again changes nothing but refills demo backup codes."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from stdnum.cn import ric, uscc

from yiwang.core.audit import audit_record
from yiwang.org import demo_data as demo
from yiwang.org.models import Department, Division, ServiceHall, Window
from yiwang.org.services import (
    department_create,
    division_create,
    hall_create,
    position_assign,
    window_create,
)


def demo_id_number(birth: str, sequence: str, region: str = "371327") -> str:
    body = f"{region}{birth}{sequence}"
    return body + ric.calc_check_digit(body + "0")


def demo_credit_code(body: str, serial: int) -> str:
    base = f"{body}{serial:05d}"[:17]
    base = base + "0" * (17 - len(base))
    return base + uscc.calc_check_digit(base)


class Command(BaseCommand):
    help = "Load the demo county (idempotent). --if-empty does nothing when divisions already exist."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--if-empty", action="store_true", help="only seed an empty database")

    def handle(self, *args, if_empty: bool = False, **options) -> None:
        if not settings.DEMO_MODE:
            raise CommandError("seed_demo only runs in demo mode (YIWANG_DEMO=true)")
        if if_empty and Division.objects.exists():
            self.stdout.write("Database already has data; demo county not loaded again.")
            return
        with transaction.atomic():
            county = self._divisions()
            departments = self._departments(county)
            self._halls(county, departments)
            users = self._people(county, departments)
            call_command("seed_catalog")
            audit_record(action="demo.seed", object_type="system", object_id="seed_demo",
                         after={"divisions": Division.objects.count(), "departments": Department.objects.count(),
                                "users": len(users)})
        self.stdout.write(self.style.SUCCESS(
            f"Demo county ready: {Division.objects.count()} divisions, {Department.objects.count()} departments, "
            f"{ServiceHall.objects.count()} halls, {Window.objects.count()} windows, {len(users)} demo accounts."
        ))
        call_command("seed_hotline")
        call_command("seed_cases_demo")
        self._history()
        call_command("seed_performance")

    def _history(self) -> None:
        """Six months of closed cases, ratings and alerts, and their monthly assessments (see demo_history)."""
        from yiwang.org.demo_history import publish_past_assessments, seed_history

        with transaction.atomic():
            added = seed_history()
        published = publish_past_assessments()
        self.stdout.write(f"Demo history: {added} past cases; {published} past monthly assessments published.")

    # --- divisions -----------------------------------------------------------
    def _division(self, code: str, name: str, parent: Division | None) -> Division:
        existing = Division.objects.filter(code=code, valid_to__isnull=True).first()
        return existing or division_create(code=code, name=name, parent=parent, valid_from=date(2010, 1, 1))

    def _divisions(self) -> Division:
        county = self._division(demo.COUNTY[0], demo.COUNTY[1], None)
        for code, name, villages in demo.TOWNSHIPS:
            township = self._division(f"{county.code}{code}000", name, county)
            for index, village in enumerate(villages, start=1):
                prefix = 0 if village.endswith("社区") else 200
                self._division(f"{county.code}{code}{prefix + index:03d}", village, township)
        return county

    # --- departments, halls, windows -------------------------------------------
    def _departments(self, county: Division) -> dict[str, Department]:
        result: dict[str, Department] = {}
        for index, (code, name, short) in enumerate(demo.DEPARTMENTS, start=1):
            dep = Department.objects.filter(code=code).first() or department_create(
                name=name, code=code, division=county, short_name=short,
                credit_code=demo_credit_code("11371327MB", index))
            result[code] = dep
        for code, name, _villages in demo.TOWNSHIPS:
            township = Division.objects.get(code=f"{county.code}{code}000", valid_to__isnull=True)
            dep_code = f"T-{code}"
            result[dep_code] = Department.objects.filter(code=dep_code).first() or department_create(
                name=f"{name}便民服务中心", code=dep_code, division=township, short_name=f"{name[:2]}便民中心")
        return result

    def _halls(self, county: Division, departments: dict[str, Department]) -> None:
        centre = ServiceHall.objects.filter(division=county, name="莒南县政务服务中心").first() or hall_create(
            name="莒南县政务服务中心", division=county, address="莒南县十字路街道人民路 1 号",
            hours="周一至周五 9:00–12:00，13:30–17:00（法定节假日除外；周六上午延时服务）", phone="0539-7212345")
        for number, name, codes in demo.CENTRE_WINDOWS:
            if not Window.objects.filter(hall=centre, number=number).exists():
                window_create(hall=centre, number=number, name=name, departments=[departments[c] for c in codes],
                              is_comprehensive=name.startswith("综合受理"))
        for code, name, _villages in demo.TOWNSHIPS:
            township = Division.objects.get(code=f"{county.code}{code}000", valid_to__isnull=True)
            hall = ServiceHall.objects.filter(division=township).first() or hall_create(
                name=f"{name}便民服务中心", division=township, address=f"莒南县{name}政府驻地",
                hours="周一至周五 8:30–12:00，13:30–17:30")
            for number, wname in (("1", "综合受理窗口"), ("2", "社会保障窗口"), ("3", "代办服务窗口")):
                if not Window.objects.filter(hall=hall, number=number).exists():
                    window_create(hall=hall, number=number, name=wname, departments=[departments[f"T-{code}"]],
                                  is_comprehensive=number == "1")
            for village in township.children.filter(valid_to__isnull=True):
                station = ServiceHall.objects.filter(division=village).first() or hall_create(
                    name=f"{village.name}便民服务站", division=village, address=f"{name}{village.name}党群服务中心",
                    hours="周一至周五 8:30–11:30，14:00–17:00；代办员可预约上门")
                if not Window.objects.filter(hall=station, number="1").exists():
                    window_create(hall=station, number="1", name="代办服务", is_comprehensive=True)

    # --- people -----------------------------------------------------------------
    def _user(self, username: str, *, kind: str, real_name: str, id_number: str = "", phone: str = ""):
        from yiwang.accounts.models import User

        user = User.objects.filter(username=username).first()
        if user is not None:
            return user
        user = User(username=username, kind=kind, real_name=real_name, real_name_verified=True)
        if id_number:
            user.set_id_number(id_number)
        if phone:
            user.set_phone(phone)
        user.password = self._password_hash()
        if username == "admin":
            user.is_staff = True
            user.is_superuser = True
        user.save()
        audit_record(action="accounts.user.create", obj=user, after={"username": username, "kind": kind})
        return user

    _hash: str | None = None

    def _password_hash(self) -> str:
        """One PBKDF2 hash of the published demo password, shared by every demo account (fast seeding)."""
        if self._hash is None:
            from django.contrib.auth.hashers import make_password

            self._hash = make_password(demo.DEMO_PASSWORD)
        return self._hash

    def _two_factor(self, user) -> None:
        from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
        from django_otp.plugins.otp_totp.models import TOTPDevice

        if not TOTPDevice.objects.filter(user=user).exists():
            TOTPDevice.objects.create(user=user, name="演示令牌", key=demo.DEMO_TOTP_HEX, confirmed=True)
        static, _ = StaticDevice.objects.get_or_create(user=user, name="演示备用码", defaults={"confirmed": True})
        have = set(static.token_set.values_list("token", flat=True))
        StaticToken.objects.bulk_create(
            [StaticToken(device=static, token=code) for code in demo.DEMO_BACKUP_CODES if code not in have])

    def _where(self, county: Division, where: str) -> Division:
        if where == "county":
            return county
        if where.startswith("village:"):
            _, township, number = where.split(":")
            township_div = Division.objects.get(code=f"{county.code}{township}000", valid_to__isnull=True)
            return township_div.children.filter(valid_to__isnull=True).order_by("code")[int(number) - 1]
        return Division.objects.get(code=f"{county.code}{where}000", valid_to__isnull=True)

    def _people(self, county: Division, departments: dict[str, Department]) -> list:
        users = []
        for index, (username, name, role, where, dep_code) in enumerate(demo.STAFF + demo.coverage_staff(),
                                                                        start=1):
            user = self._user(username, kind="staff", real_name=name,
                              id_number=demo_id_number(f"1980{(index % 12) + 1:02d}15", f"{100 + index:03d}"),
                              phone=f"1390539{index:04d}")
            position_assign(user=user, role=role, division=self._where(county, where),
                            department=departments[dep_code] if dep_code else None)
            self._two_factor(user)
            users.append(user)
        # The county supervisor also sits on the hotline centre's leadership: a second position.
        position_assign(user=users[[s[0] for s in demo.STAFF].index("supervisor")], role="leader",
                        division=county)
        for username, name, birth, seq, phone in demo.CITIZENS:
            users.append(self._user(username, kind="citizen", real_name=name,
                                    id_number=demo_id_number(birth, seq, region="371327"), phone=phone))
        expert = self._user("expert", kind="citizen", real_name="胡立新",
                            id_number=demo_id_number("19700402", "057"), phone="13800000009")
        position_assign(user=expert, role="evaluation_expert", division=county)
        users.append(expert)
        from yiwang.accounts.models import Enterprise

        for serial, (username, ent_name, legal_rep, body) in enumerate(demo.ENTERPRISES, start=1):
            account = self._user(username, kind="enterprise", real_name=ent_name, phone=f"1380539{serial:04d}")
            if not Enterprise.objects.filter(account=account).exists():
                enterprise = Enterprise(name=ent_name, credit_code=demo_credit_code(body, serial * 7919),
                                        legal_representative=legal_rep, account=account,
                                        address="莒南县十字路街道")
                enterprise.set_legal_rep_id(demo_id_number("19750610", f"{200 + serial:03d}"))
                enterprise.save()
                audit_record(action="accounts.enterprise.create", obj=enterprise,
                             after={"name": ent_name, "credit_code": enterprise.credit_code})
            if username == "bidder":
                position_assign(user=account, role="bidder", division=county)
            users.append(account)
        return users
