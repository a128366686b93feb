"""English is available everywhere (the UI is zh-hans by default, every string translatable).

The compiled catalog ``src/yiwang/locale/en/LC_MESSAGES/django.mo`` is part of the source: CI does
not run ``compilemessages``, so these tests also check that it is complete and matches the ``.po``.
"""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from tests.conftest import login

LOCALE_DIR = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
PO_FILE = LOCALE_DIR / "django.po"
MO_FILE = LOCALE_DIR / "django.mo"
CJK = re.compile(r"[\u3400-\u9fff]")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")


def english_client() -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def main_nav(html: str) -> str:
    match = re.search(r'<nav[^>]*class="main-nav"[^>]*>(.*?)</nav>', html, re.S)
    assert match, "the main navigation is missing"
    return match.group(1)


# --- pages ------------------------------------------------------------------


@pytest.mark.django_db
def test_home_in_english_with_language_cookie():
    # given a visitor who chose English
    client = english_client()
    # when
    response = client.get("/")
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="en"' in html
    nav = main_nav(html)
    assert "Deadline calculator" in nav
    assert "Home" in nav
    assert "办理时限计算器" not in nav and "首页" not in nav
    assert "Welcome to the Yiwang government services platform" in html
    assert "Skip to main content" in html
    assert "Large text" in html
    assert "Log in" in html and "Register" in html
    assert "欢迎使用一网政务服务平台" not in html


@pytest.mark.django_db
def test_home_in_chinese_by_default():
    # given a visitor with no cookie and no Accept-Language header
    response = Client().get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-hans"' in html
    nav = main_nav(html)
    assert "办理时限计算器" in nav
    assert "Deadline calculator" not in nav
    assert "欢迎使用一网政务服务平台" in html


@pytest.mark.django_db
def test_pages_stay_chinese_whatever_the_browser_language():
    # An English browser still gets the Chinese platform until the visitor switches language.
    response = Client().get("/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    html = response.content.decode()
    assert '<html lang="zh-hans"' in html
    assert "办理时限计算器" in main_nav(html)


@pytest.mark.django_db
def test_language_cookie_selects_english_pages():
    client = Client()
    client.cookies["django_language"] = "en"
    html = client.get("/").content.decode()
    assert '<html lang="en"' in html
    assert "Deadline calculator" in main_nav(html)


@pytest.mark.django_db
def test_accept_language_header_chinese_stays_chinese():
    response = Client().get("/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    assert "办理时限计算器" in main_nav(response.content.decode())


@pytest.mark.django_db
def test_set_language_switches_to_english_and_back():
    client = Client()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/deadline/"})
    assert response.status_code == 302
    assert response["Location"] == "/deadline/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    html = client.get("/deadline/").content.decode()
    assert "Deadline calculator" in html

    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "办理时限计算器" in main_nav(client.get("/").content.decode())


@pytest.mark.django_db
def test_set_language_rejects_unknown_language():
    client = Client()
    client.post("/i18n/setlang/", {"language": "xx", "next": "/"})
    assert settings.LANGUAGE_COOKIE_NAME not in client.cookies
    assert "办理时限计算器" in main_nav(client.get("/").content.decode())


@pytest.mark.django_db
def test_deadline_calculator_in_english():
    response = english_client().get("/deadline/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Deadline calculator" in html
    assert "Calculate due date" in html
    assert "Start date" in html
    assert "计算到期日" not in html
    assert "起算日" not in html


@pytest.mark.django_db
def test_login_page_in_english():
    response = english_client().get("/accounts/login/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Log in</h1>" in html
    assert "Username" in html and "Password" in html
    assert "No account yet?" in html
    assert "用户名" not in html and "还没有账户" not in html


@pytest.mark.django_db
def test_login_error_summary_in_english():
    response = english_client().post("/accounts/login/", {"username": "nobody", "password": "wrong-password-1"})
    html = response.content.decode()
    assert "There is a problem with what you submitted" in html
    assert "Incorrect username or password" in html
    assert "用户名或密码不正确" not in html


@pytest.mark.django_db
def test_register_pages_in_english():
    client = english_client()
    html = client.get("/accounts/register/").content.decode()
    assert "Create an account" in html
    assert "Register as an individual" in html and "Register an enterprise" in html
    assert "注册账户" not in html

    form = client.get("/accounts/register/citizen/").content.decode()
    assert "Resident ID card number" in form
    assert "Mobile number" in form
    assert "居民身份证号" not in form


@pytest.mark.django_db
def test_registration_validation_errors_in_english():
    response = english_client().post(
        "/accounts/register/citizen/",
        {"real_name": "Test", "id_number": "123", "phone": "1", "password": "Correct-Horse-2026",
         "password2": "Correct-Horse-2026"},
    )
    html = response.content.decode()
    assert response.status_code in (200, 400)
    assert "The ID card number must have 18 characters" in html
    assert "身份证号应为 18 位" not in html


@pytest.mark.django_db
def test_not_found_page_in_english():
    response = english_client().get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in html
    assert "Back to the home page" in html
    assert "页面不存在" not in html


@pytest.mark.django_db
def test_console_in_english_for_a_clerk(clerk_a):
    client = english_client()
    login(client, clerk_a)
    html = client.get("/console/").content.decode()
    assert "<h1>Workbench</h1>" in html
    assert "Position: " in html
    assert "Window clerk" in html  # the role label of the position
    assert "岗位：" not in html and "窗口人员" not in html


# --- API messages -------------------------------------------------------------


@pytest.mark.django_db
def test_api_error_message_follows_accept_language():
    english = Client().get("/api/v1/org/divisions", HTTP_ACCEPT_LANGUAGE="en")
    chinese = Client().get("/api/v1/org/divisions")
    assert english.status_code == chinese.status_code == 401
    assert english.json()["code"] == chinese.json()["code"] == "unauthenticated"
    assert english.json()["message"] == "Login or a valid API key is required"
    assert chinese.json()["message"] == "需要登录或有效的 API 密钥"


@pytest.mark.django_db
def test_api_key_rejection_in_english():
    response = Client().get("/api/v1/org/divisions", HTTP_ACCEPT_LANGUAGE="en",
                            HTTP_X_API_KEY="yw_abcdefgh_not-a-real-secret")
    assert response.status_code == 401
    assert response.json()["message"] == "Invalid API key"


@pytest.mark.django_db
def test_domain_error_raised_in_a_service_is_translated(clerk_a):
    from django.utils import translation

    from yiwang.core.errors import PermissionDenied
    from yiwang.org.services import division_create

    position = clerk_a.positions.first()
    with translation.override("en"), pytest.raises(PermissionDenied) as excinfo:
        division_create(position=position, code="371327999", name="X", parent=None)
    assert excinfo.value.message == "Your current position may not maintain the organisation"


# --- the catalog ------------------------------------------------------------------


def _unquote(s: str) -> str:
    return re.sub(r'\\(.)', lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), s)


def parse_po(text: str) -> list[dict]:
    """A tiny .po parser: enough for Django's catalogs (msgctxt, plurals, continuation lines)."""
    entries = []
    for block in re.split(r"\n\s*\n", text.strip()):
        entry: dict = {"flags": [], "msgstr": {}}
        key = None
        for line in block.splitlines():
            if line.startswith("#~"):
                entry["obsolete"] = True
            elif line.startswith("#,"):
                entry["flags"] = [f.strip() for f in line[2:].split(",")]
            elif line.startswith("#"):
                continue
            elif m := re.match(r'(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?) "(.*)"$', line):
                name, index, value = m.group(1), m.group(2), _unquote(m.group(3))
                if name.startswith("msgstr"):
                    key = ("msgstr", int(index or 0))
                    entry["msgstr"][key[1]] = value
                else:
                    key = (name, None)
                    entry[name] = value
            elif line.startswith('"'):
                assert key is not None, line
                value = _unquote(line[1:-1])
                if key[0] == "msgstr":
                    entry["msgstr"][key[1]] += value
                else:
                    entry[key[0]] += value
            else:
                raise AssertionError(f"unexpected line in django.po: {line!r}")
        if not entry.get("obsolete"):
            entries.append(entry)
    return entries


def test_parse_po_understands_plurals_and_continuations():
    sample = (
        'msgid ""\nmsgstr "Language: en\\n"\n\n'
        '#, python-format\nmsgid "您有 %(n)s 条"\nmsgid_plural "您有 %(n)s 条"\n'
        'msgstr[0] "%(n)s item"\nmsgstr[1] ""\n"%(n)s items"\n\n'
        'msgctxt "sep"\nmsgid "、"\nmsgstr ""\n'
    )
    header, plural, separator = parse_po(sample)
    assert plural["msgstr"] == {0: "%(n)s item", 1: "%(n)s items"}
    assert separator["msgctxt"] == "sep" and separator["msgstr"] == {0: ""}


@pytest.fixture(scope="module")
def catalog() -> list[dict]:
    assert PO_FILE.exists(), "run makemessages -l en"
    return parse_po(PO_FILE.read_text(encoding="utf-8"))[1:]  # skip the header


def test_english_catalog_is_complete(catalog):
    assert len(catalog) > 300
    untranslated = [e["msgid"] for e in catalog if not all(e["msgstr"].values()) or len(e["msgstr"]) < (
        2 if "msgid_plural" in e else 1)]
    fuzzy = [e["msgid"] for e in catalog if "fuzzy" in e["flags"]]
    assert untranslated == []
    assert fuzzy == []


def test_english_catalog_keeps_placeholders(catalog):
    wrong = []
    for e in catalog:
        expected = sorted(set(PLACEHOLDER.findall(e["msgid"])))
        for text in e["msgstr"].values():
            if sorted(set(PLACEHOLDER.findall(text))) != expected:
                wrong.append((e["msgid"], text))
    assert wrong == []


def test_english_translations_are_english(catalog):
    # The language names in the switcher stay in their own language; everything else is English.
    native = {"简体中文", "一网 · 系统管理", "一网", "一网 Yiwang · 开源政务服务平台"}
    leftovers = [
        (e["msgid"], text) for e in catalog for text in e["msgstr"].values()
        if CJK.search(text) and e["msgid"] not in native
    ]
    assert leftovers == []


def test_compiled_catalog_matches_po(catalog):
    assert MO_FILE.exists(), "run compilemessages: the .mo is committed"
    with MO_FILE.open("rb") as fp:
        compiled = gettext.GNUTranslations(fp)
    for e in catalog:
        msgid = e["msgid"] if "msgctxt" not in e else f'{e["msgctxt"]}\x04{e["msgid"]}'
        if "msgid_plural" in e:
            assert compiled.ngettext(msgid, e["msgid_plural"], 1) == e["msgstr"][0], msgid
            assert compiled.ngettext(msgid, e["msgid_plural"], 2) == e["msgstr"][1], msgid
        else:
            assert compiled.gettext(msgid) == e["msgstr"][0], f"stale django.mo for {msgid!r}"


# --- templates: no Chinese text outside translation tags ---------------------------

TEMPLATE_ROOT = Path(settings.BASE_DIR)
_STRIP = [
    re.compile(r"\{%\s*blocktrans(?:late)?\b.*?\{%\s*endblocktrans(?:late)?\s*%\}", re.S),
    re.compile(r"\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}", re.S),
    re.compile(r"\{#.*?#\}", re.S),
    re.compile(r"\{%\s*trans(?:late)?\s+(\"[^\"]*\"|'[^']*').*?%\}", re.S),
    re.compile(r"_\((\"[^\"]*\"|'[^']*')\)"),  # {{ _("...") }} style, e.g. in filters
    re.compile(r"<script\b.*?</script>", re.S),  # JS comments; strings there are checked by djangojs
]


def untranslated_text(source: str) -> list[str]:
    for pattern in _STRIP:
        source = pattern.sub("", source)
    return [line.strip() for line in source.splitlines() if CJK.search(line)]


def test_untranslated_text_finds_hard_coded_chinese():
    assert untranslated_text('<p>{% translate "首页" %}</p>') == []
    assert untranslated_text("{% blocktranslate %}共 {{ n }} 条{% endblocktranslate %}") == []
    assert untranslated_text("<p>返回首页</p>") == ["<p>返回首页</p>"]


def test_templates_have_no_hard_coded_chinese():
    offenders = {}
    for path in sorted(TEMPLATE_ROOT.rglob("templates/**/*.html")):
        lines = untranslated_text(path.read_text(encoding="utf-8"))
        if lines:
            offenders[str(path.relative_to(TEMPLATE_ROOT))] = lines
    assert offenders == {}
