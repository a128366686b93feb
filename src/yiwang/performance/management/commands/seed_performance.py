"""Compute and publish last month's performance assessment for the demo county (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from yiwang.accounts.models import User
from yiwang.org import demo_data as demo
from yiwang.org.models import Division
from yiwang.org.roles import Perm
from yiwang.org.scope import has_perm
from yiwang.performance import services
from yiwang.performance.models import Assessment, AssessmentStatus


class Command(BaseCommand):
    help = "Compute and publish last month's assessment for the demo county (does nothing if already published)."

    def handle(self, *args: Any, **options: Any) -> None:
        county = Division.objects.filter(code=demo.COUNTY[0], valid_to__isnull=True).first()
        if county is None:
            self.stdout.write("No demo county; run seed_demo first.")
            return
        today = timezone.localdate()
        month = services.previous_month(today)
        user = User.objects.filter(username="supervisor").first()
        position = None
        if user is not None:
            position = next((p for p in user.positions.filter(is_active=True, division=county)
                             if has_perm(p, Perm.PERFORMANCE_MANAGE)), None)
        if Assessment.objects.filter(division=county, period=month, status=AssessmentStatus.PUBLISHED).exists():
            self.stdout.write(f"Assessment {month:%Y-%m} already published.")
        else:
            assessment = self._compute(month, county, user, position)
            if position is not None:
                assessment = services.assessment_publish(assessment=assessment, actor=user, position=position)
            self.stdout.write(self.style.SUCCESS(
                f"Performance assessment {month:%Y-%m}: {assessment.scores.count()} scores, {assessment.status}."))
        # The month so far, as a draft (recomputed on every run), so that the console has figures too.
        current = today.replace(day=1)
        if not Assessment.objects.filter(division=county, period=current,
                                         status=AssessmentStatus.PUBLISHED).exists():
            draft = self._compute(current, county, user, position)
            self.stdout.write(f"Draft assessment {current:%Y-%m}: {draft.scores.count()} scores.")

    def _compute(self, month: Any, county: Division, user: Any, position: Any) -> Assessment:
        if position is not None:
            return services.assessment_compute(month=month, actor=user, position=position, division=county)
        return services.assessment_compute(month=month, actor=None, position=None, division=county, system=True)
