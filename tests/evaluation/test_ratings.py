"""一事一评: invitations with the completion SMS, one rating per case per applicant, expiry."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from yiwang.core.errors import Conflict, InvalidInput, NotFound
from yiwang.evaluation import services
from yiwang.evaluation.models import Rating, RatingInvitation, Rectification
from yiwang.evaluation.services.ratings import _send_invitation


def test_invitation_sends_link_to_applicant_once(case, applicant):
    from yiwang.notify.models import Message

    invitation = services.invitation_issue(case=case)
    assert invitation is not None and invitation.user == applicant
    assert invitation.expires_at - invitation.created_at >= timedelta(days=7) - timedelta(seconds=5)
    again = services.invitation_issue(case=case)
    assert again.pk == invitation.pk and RatingInvitation.objects.count() == 1
    _send_invitation(invitation.pk)
    sms = Message.objects.get(recipient=applicant, template="rating.invite", channel="sms")
    assert f"/ratings/r/{invitation.token}/" in sms.body


def test_invitation_to_bare_phone_for_window_filings(window_case):
    from yiwang.notify.models import Message

    invitation = services.invitation_issue(case=window_case)
    assert invitation.user is None and invitation.phone_masked.startswith("138")
    _send_invitation(invitation.pk)
    message = Message.objects.get(recipient__isnull=True, template="rating.invite")
    assert invitation.token in message.body


def test_link_validity_is_configurable(case, settings):
    settings.YIWANG_RATING_LINK_DAYS = 3
    now = timezone.now()
    invitation = services.invitation_issue(case=case, now=now)
    assert invitation.expires_at == now + timedelta(days=3)


def test_case_completion_issues_invitation_after_commit(case, django_capture_on_commit_callbacks):
    from yiwang.cases.models import Case

    with django_capture_on_commit_callbacks(execute=True):
        Case.objects.filter(pk=case.pk).update()  # no signal: nothing happens
        case.status = "in_progress"
        case.save(update_fields=["status"])
    assert not RatingInvitation.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        case.status = "completed"
        case.save(update_fields=["status"])
    assert RatingInvitation.objects.filter(case=case).count() == 1


def test_one_rating_per_case_per_applicant(case, applicant):
    invitation = services.invitation_issue(case=case)
    rating = services.rating_submit_online(token=invitation.token, grade=5)
    assert rating.case == case and rating.rater == applicant and rating.named
    assert rating.department == case.department and rating.rater_name_masked != applicant.real_name
    with pytest.raises(Conflict):
        services.rating_submit_online(token=invitation.token, grade=1, reasons=["attitude"])
    assert Rating.objects.filter(case=case).count() == 1
    # The database refuses a second rating of the same case by the same applicant as well.
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.create(target_kind="case", case=case, grade=4, rater_key=rating.rater_key,
                              department=case.department)


def test_expired_link_is_refused(case):
    now = timezone.now()
    invitation = services.invitation_issue(case=case, now=now - timedelta(days=8))
    with pytest.raises(Conflict) as exc:
        services.rating_submit_online(token=invitation.token, grade=5)
    assert exc.value.code == "link_expired"
    assert not Rating.objects.exists()
    # Just before expiry it is still valid.
    assert services.rating_submit_online(token=invitation.token, grade=5,
                                         now=invitation.expires_at - timedelta(seconds=1)).pk


def test_unknown_token_and_bad_input(case):
    with pytest.raises(NotFound):
        services.rating_submit_online(token="nope", grade=5)
    invitation = services.invitation_issue(case=case)
    with pytest.raises(InvalidInput):
        services.rating_submit_online(token=invitation.token, grade=7)
    with pytest.raises(InvalidInput):
        services.rating_submit_online(token=invitation.token, grade="x")
    with pytest.raises(InvalidInput):
        services.rating_submit_online(token=invitation.token, grade=5, reasons=["bogus"])
    assert not Rating.objects.exists()


def test_bad_rating_needs_a_reason(case):
    invitation = services.invitation_issue(case=case)
    with pytest.raises(InvalidInput) as exc:
        services.rating_submit_online(token=invitation.token, grade=2)
    assert exc.value.details["field"] == "reasons"
    assert not Rating.objects.exists() and not Rectification.objects.exists()


def test_link_page_flow(client, case):
    invitation = services.invitation_issue(case=case)
    url = f"/ratings/r/{invitation.token}/"
    page = client.get(url)
    assert page.status_code == 200 and case.number in page.content.decode()
    refused = client.post(url, {"grade": "1"})
    assert refused.status_code == 400 and not Rating.objects.exists()
    done = client.post(url, {"grade": "1", "reasons": ["slow", "multiple_trips"], "comment": "跑了三趟"})
    assert done.status_code == 200 and 'data-testid="thanks"' in done.content.decode()
    rating = Rating.objects.get()
    assert rating.reasons == ["slow", "multiple_trips"] and rating.comment == "跑了三趟"
    assert client.get(url).status_code == 409  # used


def test_expired_link_page(client, case):
    invitation = services.invitation_issue(case=case, now=timezone.now() - timedelta(days=30))
    response = client.get(f"/ratings/r/{invitation.token}/")
    assert response.status_code == 409
    assert client.post(f"/ratings/r/{invitation.token}/", {"grade": "5"}).status_code == 409
    assert not Rating.objects.exists()


def test_public_rating_of_a_department(client, county, applicant):
    from tests.conftest import login

    login(client, applicant)
    response = client.post("/ratings/rate/", {"target_kind": "department", "department": county.civil_affairs_a.pk,
                                              "grade": "4"})
    assert response.status_code == 200
    rating = Rating.objects.get()
    assert rating.target_kind == "department" and rating.department == county.civil_affairs_a
    assert rating.named and rating.rater == applicant
    bad = client.post("/ratings/rate/", {"target_kind": "platform", "platform_channel": "mobile", "grade": "1"})
    assert bad.status_code == 400
    assert client.post("/ratings/rate/", {"target_kind": "hall", "hall": "999999", "grade": "5"}).status_code == 404
