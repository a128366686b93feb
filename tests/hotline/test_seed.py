"""seed_hotline: fast, idempotent, consistent with the dispatch catalogue."""

from __future__ import annotations

import time

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_seed_hotline_idempotent_and_consistent(settings):
    from yiwang.hotline.demo_tickets import demo_ticket_rows
    from yiwang.hotline.models import DispatchRule, KnowledgeArticle, Ticket
    from yiwang.hotline.services.dispatch import catalogue_rule

    settings.DEMO_MODE = True
    call_command("seed_demo")  # also runs seed_hotline
    started = time.monotonic()
    call_command("seed_hotline")  # second run: nothing new
    assert time.monotonic() - started < 15
    rows = demo_ticket_rows()
    assert Ticket.objects.count() == len(rows) >= 300
    assert KnowledgeArticle.objects.count() == 20
    assert DispatchRule.objects.filter(division__isnull=False).exists()
    assert demo_ticket_rows() == rows  # deterministic
    # every seeded ticket went to the unit the catalogue names for its matter and place
    for ticket in Ticket.objects.select_related("matter_type", "division", "lead_unit")[:120]:
        assert catalogue_rule(ticket.matter_type, ticket.division).lead_unit == ticket.lead_unit
