"""The closed loop: intake → dispatch → return → review → re-dispatch → reply → approval →
callback unsatisfied → reopen → reply → callback satisfied → closed; plus merge and leader instruction."""

from __future__ import annotations

import pytest

from yiwang.core.errors import Conflict, InvalidInput, PermissionDenied
from yiwang.hotline import selectors, services
from yiwang.hotline.models import Assignment, AssignmentRole, Escalation, TicketStatus

pytestmark = pytest.mark.django_db


def _lead(ticket):
    return Assignment.objects.filter(ticket=ticket, role=AssignmentRole.LEAD, parent__isnull=True).latest("id")


def test_full_lifecycle(hl, phone_ticket, county):
    op, op_pos = hl.operator, hl.pos(hl.operator)
    ticket = phone_ticket()
    assert ticket.number.endswith(f"{ticket.pk:06d}") and ticket.caller_phone_masked == "138****5678"
    assert ticket.decrypt_caller_phone() == "13812345678" and "13812345678" not in ticket.caller_phone_enc

    suggestion = services.dispatch_suggest(ticket)
    assert suggestion["catalogue"]["lead_unit"] == hl.housing
    # Wrongly dispatched to the enforcement bureau first.
    services.ticket_dispatch(ticket=ticket, lead_unit=hl.enforce, note="请核处", actor=op, position=op_pos)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.DISPATCHED and ticket.expected_at is not None
    first_expected = ticket.expected_at

    wrong = _lead(ticket)
    with pytest.raises(PermissionDenied):  # another unit cannot return it
        services.assignment_return(assignment=wrong, reason="不是我们的", actor=hl.housing_staff,
                                   position=hl.pos(hl.housing_staff))
    services.assignment_return(assignment=wrong, reason="道路养护属住建局职责", actor=hl.enforce_staff,
                               position=hl.pos(hl.enforce_staff))
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RETURNED
    assert selectors.returns_count_by_unit(position=op_pos)[0]["unit_id"] == hl.enforce.pk

    with pytest.raises(InvalidInput):  # approving a lead return needs a new unit
        services.return_review(assignment=wrong, approve=True, actor=op, position=op_pos)
    services.return_review(assignment=wrong, approve=True, new_lead_unit=hl.housing, note="改派住建局",
                           actor=op, position=op_pos)
    ticket.refresh_from_db()
    assert ticket.lead_unit == hl.housing and ticket.status == TicketStatus.DISPATCHED
    assert ticket.expected_at == first_expected  # 改派 keeps the caller's deadline

    lead = _lead(ticket)
    services.assignment_accept(assignment=lead, actor=hl.housing_staff, position=hl.pos(hl.housing_staff))
    reply = services.reply_submit(assignment=lead, content="已安排维修。", actor=hl.housing_staff,
                                  position=hl.pos(hl.housing_staff))
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.REPLIED
    with pytest.raises(PermissionDenied):  # units cannot approve their own replies
        services.reply_review(reply=reply, approve=True, actor=hl.housing_staff, position=hl.pos(hl.housing_staff))
    services.reply_review(reply=reply, approve=True, actor=op, position=op_pos)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CALLBACK and lead.clock.__class__.objects.get(pk=lead.clock_id).stopped_at

    services.callback_record(ticket=ticket, method="phone", satisfaction="unsatisfied", resolved=False,
                             note="只填了一半", actor=op, position=op_pos)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.REOPENED and ticket.reopen_count == 1
    second = _lead(ticket)
    assert second.pk != lead.pk and second.unit == hl.housing and second.clock_id != lead.clock_id

    reply2 = services.reply_submit(assignment=second, content="已全部修复并设置警示。", actor=hl.housing_staff,
                                   position=hl.pos(hl.housing_staff))
    services.reply_review(reply=reply2, approve=True, actor=op, position=op_pos)
    services.callback_record(ticket=ticket, method="sms", satisfaction="satisfied", resolved=True,
                             actor=op, position=op_pos)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED and ticket.closed_at is not None
    kinds = list(ticket.events.values_list("kind", flat=True))
    assert kinds.count("reply_sent") == 2 and "reopened" in kinds and kinds[-1] == "closed"


def test_reopen_limit_then_closed(hl, phone_ticket):
    from yiwang.hotline.models import HotlineConfig

    HotlineConfig.objects.create(max_reopens=1)
    op, op_pos = hl.operator, hl.pos(hl.operator)
    ticket = phone_ticket()
    services.ticket_dispatch(ticket=ticket, lead_unit=hl.housing, actor=op, position=op_pos)
    for round_ in range(2):
        lead = _lead(ticket)
        reply = services.reply_submit(assignment=lead, content=f"第{round_}次答复", actor=hl.housing_staff,
                                      position=hl.pos(hl.housing_staff))
        services.reply_review(reply=reply, approve=True, actor=op, position=op_pos)
        services.callback_record(ticket=ticket, method="phone", satisfaction="unsatisfied", resolved=False,
                                 actor=op, position=op_pos)
        ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED and ticket.reopen_count == 1
    assert "重办上限" in ticket.events.latest("id").text


def test_reply_rejected_goes_back_to_unit(hl, phone_ticket):
    op, op_pos = hl.operator, hl.pos(hl.operator)
    ticket = phone_ticket()
    services.ticket_dispatch(ticket=ticket, lead_unit=hl.housing, actor=op, position=op_pos)
    reply = services.reply_submit(assignment=_lead(ticket), content="已处理", actor=hl.housing_staff,
                                  position=hl.pos(hl.housing_staff))
    with pytest.raises(InvalidInput):
        services.reply_review(reply=reply, approve=False, note="", actor=op, position=op_pos)
    services.reply_review(reply=reply, approve=False, note="请写明处理结果和时间", actor=op, position=op_pos)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.HANDLING
    services.reply_submit(assignment=_lead(ticket), content="已于3日修复", actor=hl.housing_staff,
                          position=hl.pos(hl.housing_staff))


def test_return_rejected_back_to_unit(hl, phone_ticket):
    op, op_pos = hl.operator, hl.pos(hl.operator)
    ticket = phone_ticket()
    services.ticket_dispatch(ticket=ticket, lead_unit=hl.housing, actor=op, position=op_pos)
    lead = _lead(ticket)
    services.assignment_return(assignment=lead, reason="不归我们", actor=hl.housing_staff,
                               position=hl.pos(hl.housing_staff))
    services.return_review(assignment=lead, approve=False, note="派单目录明确由住建局负责", actor=op, position=op_pos)
    ticket.refresh_from_db()
    lead.refresh_from_db()
    assert ticket.status == TicketStatus.HANDLING and lead.status == "accepted" and lead.return_review_status == "rejected"


def test_township_redispatch_to_village(hl, phone_ticket, county):
    op, op_pos = hl.operator, hl.pos(hl.operator)
    ticket = phone_ticket(content="东关村的村务公开栏半年没有更新", category="complaint",
                          matter_type=hl.matter_village)
    assert services.dispatch_suggest(ticket)["catalogue"]["lead_unit"] == hl.town_a  # more specific rule wins
    services.ticket_dispatch(ticket=ticket, lead_unit=hl.town_a, actor=op, position=op_pos)
    lead = _lead(ticket)
    with pytest.raises(InvalidInput):  # not a village of township A
        services.assignment_redispatch(assignment=lead, division=county.village_b1, actor=hl.town_a_staff,
                                       position=hl.pos(hl.town_a_staff))
    child = services.assignment_redispatch(assignment=lead, division=county.village_a1, actor=hl.town_a_staff,
                                           position=hl.pos(hl.town_a_staff))
    assert selectors.ticket_get_for_position(position=hl.pos(hl.agent_a1), pk=ticket.pk) == ticket
    reply = services.reply_submit(assignment=child, content="村委会已更新公开栏", actor=hl.agent_a1,
                                  position=hl.pos(hl.agent_a1))
    assert reply.assignment_id == lead.pk
    services.reply_review(reply=reply, approve=True, actor=op, position=op_pos)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CALLBACK


def test_departmental_matter_not_pushed_down(hl, phone_ticket):
    ticket = phone_ticket()  # ROAD → county housing bureau
    with pytest.raises(Conflict) as exc:
        services.ticket_dispatch(ticket=ticket, lead_unit=hl.town_a, actor=hl.operator,
                                 position=hl.pos(hl.operator))
    assert exc.value.details["reason"] == "pushed_down"


def test_merge_propagates_reply(hl, phone_ticket, county):
    op, op_pos = hl.operator, hl.pos(hl.operator)
    first = phone_ticket()
    second = phone_ticket(content="人民路中段窨井盖破损，晚上没有警示灯，很危险。", caller_phone="13912345678")
    dupes = services.ticket_find_duplicates(second)
    assert [d["ticket"] for d in dupes] == [first] and dupes[0]["reason"] == "same_place_similar_text"
    third = phone_ticket(content="路灯不亮了", matter_type=None)
    assert services.ticket_find_duplicates(third)[0]["reason"] == "same_caller"  # same phone as first
    services.ticket_dispatch(ticket=first, lead_unit=hl.housing, actor=op, position=op_pos)
    services.ticket_merge(ticket=second, into=first, actor=op, position=op_pos)
    second.refresh_from_db()
    assert second.status == TicketStatus.MERGED and second.merged_into == first
    with pytest.raises(Conflict):
        services.ticket_merge(ticket=second, into=first, actor=op, position=op_pos)
    reply = services.reply_submit(assignment=_lead(first), content="已修复", actor=hl.housing_staff,
                                  position=hl.pos(hl.housing_staff))
    services.reply_review(reply=reply, approve=True, actor=op, position=op_pos)
    assert second.replies.get().propagated_from == reply


def test_leader_instruction(hl, phone_ticket):
    op, op_pos = hl.operator, hl.pos(hl.operator)
    ticket = phone_ticket()
    with pytest.raises(Conflict):  # not flagged yet
        services.leader_instruct(ticket=ticket, text="请尽快处理", actor=hl.leader, position=hl.pos(hl.leader))
    with pytest.raises(PermissionDenied):
        services.leader_instruct(ticket=ticket, text="x", actor=op, position=op_pos)
    services.ticket_dispatch(ticket=ticket, lead_unit=hl.housing, actor=op, position=op_pos)
    services.ticket_flag_for_leader(ticket=ticket, actor=op, position=op_pos)
    assert list(selectors.leader_ticket_list(position=hl.pos(hl.leader))) == [ticket]
    instruction = services.leader_instruct(ticket=ticket, text="请住建局三日内修复", actor=hl.leader,
                                           position=hl.pos(hl.leader))
    assert instruction.ticket == ticket and ticket.events.filter(kind="instruction").exists()


def test_extension_request_approved_by_centre(hl, phone_ticket):
    op, op_pos = hl.operator, hl.pos(hl.operator)
    ticket = phone_ticket()
    services.ticket_dispatch(ticket=ticket, lead_unit=hl.housing, actor=op, position=op_pos)
    ticket.refresh_from_db()
    before = ticket.expected_at
    request = services.extension_request(assignment=_lead(ticket), days=3, reason="需协调施工单位",
                                         actor=hl.housing_staff, position=hl.pos(hl.housing_staff))
    with pytest.raises(PermissionDenied):
        services.extension_decide(request=request, approve=True, actor=hl.housing_staff,
                                  position=hl.pos(hl.housing_staff))
    services.extension_decide(request=request, approve=True, actor=op, position=op_pos)
    ticket.refresh_from_db()
    assert ticket.expected_at > before
    assert not Escalation.objects.exists()
