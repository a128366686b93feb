"""Print the demo logins (demo mode only)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from yiwang.org import demo_data as demo


class Command(BaseCommand):
    help = "Print the demo accounts, password, TOTP secret and backup codes (demo mode only)."

    def handle(self, *args, **options) -> None:
        if not settings.DEMO_MODE:
            self.stdout.write("Not in demo mode: no demo logins.")
            return
        from yiwang.accounts.models import User

        out = self.stdout.write
        out("")
        out("=" * 72)
        out("一网 Yiwang demo county 莒南县 — demo logins (DEMO MODE ONLY)")
        out(f"  Password for every account: {demo.DEMO_PASSWORD}")
        out(f"  Staff two-factor: TOTP secret {demo.DEMO_TOTP_BASE32} (add it to an authenticator app),")
        out(f"  or a backup code: {', '.join(demo.DEMO_BACKUP_CODES[:5])} … (each works once; seed_demo refills)")
        out("-" * 72)
        for user in User.objects.filter(username__in=[s[0] for s in demo.STAFF]).prefetch_related(
                "positions__division", "positions__department").order_by("id"):
            roles = "; ".join(str(p) for p in user.positions.all())
            out(f"  staff     {user.username:<17} {user.real_name:<6} {roles}")
        for username in [c[0] for c in demo.CITIZENS] + ["expert"]:
            out(f"  citizen   {username}")
        for username, name, *_ in demo.ENTERPRISES:
            out(f"  company   {username:<17} {name}")
        out("=" * 72)
