"""Sign-in (with django-axes lockout), two-factor for staff, registration and the account page.

Citizen registration has two pages: the form, then the SMS code (``accounts.registration``).

Flow: ``/accounts/login/`` (password) → staff only: ``/accounts/2fa/`` (TOTP or backup
code), or ``/accounts/2fa/setup/`` if they have no authenticator yet → ``next`` or home.
"""

from __future__ import annotations

from base64 import b32encode

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp import user_has_device

from yiwang.accounts import registration, services
from yiwang.accounts.forms import (
    CitizenRegisterForm,
    EnterpriseRegisterForm,
    LoginForm,
    OtpForm,
    RegistrationCodeForm,
    TotpConfirmForm,
)
from yiwang.accounts.identity import warning_text
from yiwang.accounts.models import User
from yiwang.accounts.two_factor import two_factor_pending
from yiwang.core.errors import DomainError, PermissionDenied
from yiwang.core.ratelimit import RateLimited, client_key, rate_limit_hit

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _safe_next(request: HttpRequest) -> str:
    """The ``next`` target if it stays on this site, else ''."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return ""


def _home_for(user: User) -> str:
    if user.needs_two_factor and user.positions.filter(is_active=True).exists():
        return reverse("console:home")
    return reverse("portal:home")


def _with_next(url_name: str, next_url: str) -> str:
    url = reverse(url_name)
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _two_factor_pending(user: User) -> bool:
    """Staff still owe their second factor. A user fresh from ``authenticate`` is never verified."""
    return two_factor_pending(user)


@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request)
    if request.user.is_authenticated and request.method == "GET":
        user: User = request.user  # type: ignore[assignment]
        if _two_factor_pending(user):
            return redirect(_with_next("accounts:two_factor", next_url))
        return HttpResponseRedirect(next_url or _home_for(user))
    form = LoginForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            # The request goes to authenticate() so that django-axes counts failures per
            # username + IP; when locked out, AxesMiddleware swaps in the lockout page.
            found = authenticate(request, username=form.cleaned_data["username"],
                                 password=form.cleaned_data["password"])
            if found is not None:
                auth_login(request, found)
                user = found  # type: ignore[assignment]
                services.session_event_record(user=user, action="account.login")
                if _two_factor_pending(user):
                    return redirect(_with_next("accounts:two_factor", next_url))
                return HttpResponseRedirect(next_url or _home_for(user))
        form.add_error(None, _("用户名或密码不正确。连续输错 %(n)d 次，账户将被暂时锁定。")
                       % {"n": settings.AXES_FAILURE_LIMIT})
        status = 400
    return render(request, "accounts/login.html", {"form": form, "next": next_url}, status=status)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        services.session_event_record(user=request.user, action="account.logout")  # type: ignore[arg-type]
    auth_logout(request)
    messages.info(request, _("您已安全退出"))
    return redirect("portal:home")


@sensitive_post_parameters("otp_token")
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    next_url = _safe_next(request)
    if not user.needs_two_factor:
        return redirect("accounts:me")
    if user.is_verified():  # type: ignore[attr-defined]
        return HttpResponseRedirect(next_url or _home_for(user))
    if not user_has_device(user, confirmed=True):
        return redirect(_with_next("accounts:two_factor_setup", next_url))
    form = OtpForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                device = services.two_factor_verify(user=user, token=form.cleaned_data["otp_token"])
            except DomainError as exc:
                form.add_service_error(exc)
            else:
                otp_login(request, device)
                request.session.cycle_key()
                if device.__class__.__name__ == "StaticDevice":
                    messages.warning(request, _("您使用了一个备用码，它已失效。备用码用完前请在“我的账户”中重新生成。"))
                return HttpResponseRedirect(next_url or _home_for(user))
        status = 400
    return render(request, "accounts/two_factor.html", {"form": form, "next": next_url}, status=status)


def _qr_svg(data: str) -> str:
    svg = segno.make(data, error="m").svg_inline(scale=4, border=2, dark="#000", light="#fff",
                                                 title=_("身份验证器二维码"))
    return mark_safe(svg)  # noqa: S308 - segno output of our own otpauth URI, no user markup


@sensitive_post_parameters("otp_token")
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    next_url = _safe_next(request)
    if not user.needs_two_factor:
        return redirect("accounts:me")
    verified = bool(user.is_verified())  # type: ignore[attr-defined]
    try:
        device = services.totp_setup_begin(user=user, is_verified=verified)
    except PermissionDenied:
        return redirect(_with_next("accounts:two_factor", next_url))
    form = TotpConfirmForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                device, codes = services.totp_setup_confirm(user=user, is_verified=verified,
                                                            token=form.cleaned_data["otp_token"])
            except DomainError as exc:
                form.add_service_error(exc)
            else:
                otp_login(request, device)
                request.session.cycle_key()
                return render(request, "accounts/backup_codes.html",
                              {"codes": codes, "next": next_url or _home_for(user), "enrolled": True})
        status = 400
    secret = b32encode(device.bin_key).decode("ascii")
    context = {
        "form": form, "next": next_url, "qr_svg": _qr_svg(device.config_url),
        "secret": secret, "secret_groups": " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)),
        "issuer": settings.OTP_TOTP_ISSUER,
    }
    return render(request, "accounts/two_factor_setup.html", context, status=status)


@never_cache
@login_required
@require_POST
def backup_codes(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    try:
        codes = services.backup_codes_regenerate(user=user, is_verified=bool(user.is_verified()))  # type: ignore[attr-defined]
    except PermissionDenied:
        return redirect(_with_next("accounts:two_factor", reverse("accounts:me")))
    return render(request, "accounts/backup_codes.html", {"codes": codes, "next": reverse("accounts:me"),
                                                          "enrolled": False})


def register(request: HttpRequest) -> HttpResponse:
    """Chooser: citizen (自然人) or enterprise (法人)."""
    return render(request, "accounts/register.html")


def _register_allowed(request: HttpRequest, form: forms.Form) -> bool:
    """Every registration try counts against the client address (yiwang.core.ratelimit)."""
    try:
        rate_limit_hit(scope="accounts.register", client=client_key(request))
    except RateLimited as exc:
        form.add_error(None, exc.message)
        return False
    return True


def _registered(request: HttpRequest, result: services.Registration) -> HttpResponse:
    auth_login(request, result.user, backend=MODEL_BACKEND)
    services.session_event_record(user=result.user, action="account.login")
    messages.success(request, _("注册成功，欢迎使用%(site)s") % {"site": settings.SITE_NAME})
    for text in result.warning_messages:
        messages.warning(request, text)
    return redirect("accounts:me")


PENDING_SESSION_KEY = "accounts.pending_registration"


@sensitive_post_parameters("password", "password2", "id_number")
@never_cache
@require_http_methods(["GET", "POST"])
def register_citizen(request: HttpRequest) -> HttpResponse:
    """Step 1 of citizen registration: the form. A valid form always leads to the code page,
    whether or not the ID number has an account (``accounts.registration``)."""
    if request.user.is_authenticated:
        return redirect("accounts:me")
    form = CitizenRegisterForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        allowed = _register_allowed(request, form)
        if allowed and form.is_valid():
            data = form.cleaned_data
            try:
                pending = registration.citizen_registration_begin(
                    real_name=data["real_name"], id_number=data["id_number"], phone=data["phone"],
                    password=data["password"], username=data.get("username", ""))
            except RateLimited as exc:
                form.add_error(None, exc.message)
                allowed = False
            except DomainError as exc:
                form.add_service_error(exc)
            else:
                request.session[PENDING_SESSION_KEY] = pending.token
                return redirect("accounts:register_citizen_confirm")
        status = 400 if allowed else 429
    return render(request, "accounts/register_form.html",
                  {"form": form, "title": _("个人注册"), "kind": "citizen"}, status=status)


@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
def register_citizen_confirm(request: HttpRequest) -> HttpResponse:
    """Step 2: the SMS code. Only a right code creates the account and signs the visitor in."""
    if request.user.is_authenticated:
        return redirect("accounts:me")
    token = request.session.get(PENDING_SESSION_KEY, "")
    phone_masked = registration.pending_phone_masked(token=token) if token else None
    if phone_masked is None:
        request.session.pop(PENDING_SESSION_KEY, None)
        messages.info(request, _("验证码已失效，请重新填写注册信息"))
        return redirect("accounts:register_citizen")
    form = RegistrationCodeForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        try:
            rate_limit_hit(scope="accounts.register_confirm", client=client_key(request))
        except RateLimited as exc:
            form.add_error(None, exc.message)
            status = 429
        else:
            if form.is_valid():
                try:
                    result = registration.citizen_registration_confirm(token=token, code=form.cleaned_data["code"])
                except DomainError as exc:
                    if exc.code == "registration_expired":
                        request.session.pop(PENDING_SESSION_KEY, None)
                        messages.error(request, exc.message)
                        return redirect("accounts:register_citizen")
                    form.add_service_error(exc)
                else:
                    request.session.pop(PENDING_SESSION_KEY, None)
                    return _registered(request, result)
            status = 400
    context = {"form": form, "sent": registration.sent_message(phone_masked),
               "demo_code": settings.ACCOUNTS_REGISTER_DEMO_CODE}
    return render(request, "accounts/register_confirm.html", context, status=status)


@sensitive_post_parameters("password", "password2", "legal_rep_id_number")
@never_cache
@require_http_methods(["GET", "POST"])
def register_enterprise(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("accounts:me")
    form = EnterpriseRegisterForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        allowed = _register_allowed(request, form)
        if allowed and form.is_valid():
            data = form.cleaned_data
            try:
                result = services.enterprise_register(
                    credit_code=data["credit_code"], enterprise_name=data["enterprise_name"],
                    legal_representative=data["legal_representative"],
                    legal_rep_id_number=data["legal_rep_id_number"], username=data["username"],
                    phone=data["phone"], password=data["password"], address=data.get("address", ""))
            except DomainError as exc:
                form.add_service_error(exc)
            else:
                return _registered(request, result)
        status = 400 if allowed else 429
    return render(request, "accounts/register_form.html",
                  {"form": form, "title": _("企业注册"), "kind": "enterprise"}, status=status)


@never_cache
@login_required
def me(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    enterprise = getattr(user, "enterprise", None) if user.kind == "enterprise" else None
    context = {
        "account": user,
        "enterprise": enterprise,
        "two_factor": services.two_factor_status(user=user),
        "verified": bool(user.is_verified()),  # type: ignore[attr-defined]
        "id_warning": warning_text(user.id_number_warning) if user.id_number_warning else "",
        "positions": list(user.positions.filter(is_active=True).select_related("division", "department")),
    }
    return render(request, "accounts/me.html", context)
