import re
import pytest
from django.conf import settings
from django.test import Client
from tests.conftest import login

CJK = re.compile(r"[\u3400-\u9fff][^<>\n]*")

def text_of(html):
    html = re.sub(r"<script.*?</script>|<style.*?</style>", "", html, flags=re.S)
    return html

def show(path, resp):
    html = text_of(resp.content.decode())
    hits = sorted(set(m.group(0).strip()[:60] for m in CJK.finditer(html)))
    print(f"\n== {path} [{resp.status_code}] CJK fragments: {len(hits)}")
    for h in hits[:40]:
        print("   ", h)

PUBLIC = ["/", "/services/", "/cases/query/", "/hotline/mailbox/", "/licences/verify/", "/hotline/public/"]

@pytest.mark.django_db
def test_public(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    for p in PUBLIC:
        show(p, client.get(p, follow=True))

@pytest.mark.django_db
def test_staff(client, clerk_a, supervisor, admin_user, applicant):
    for user, paths in [(applicant, ["/cases/mine/", "/licences/"]),
                        (clerk_a, ["/console/", "/cases/console/acceptance/", "/cases/console/inbox/", "/cases/console/supervision/", "/cases/console/file/", "/hotline/", "/hotline/intake/"]),
                        (admin_user, ["/services/manage/", "/workflow/", "/licences/registry/", "/hotline/stats/"])]:
        c = Client()
        c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        login(c, user)
        for p in paths:
            show(p, c.get(p, follow=True))


@pytest.mark.django_db
def test_guide_and_apply(client, applicant):
    from django.core.management import call_command
    from yiwang.catalog.models import ServiceItem
    call_command("seed_catalog")
    item = ServiceItem.objects.filter(published_version__isnull=False).first()
    print("\nITEM", item)
    if item is None:
        return
    c = Client(); c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    show(f"/services/{item.base_code}/", c.get(f"/services/{item.base_code}/"))
    show("/services/?q=x", c.get("/services/?q=%E8%AE%B8%E5%8F%AF"))
    login(c, applicant)
    show(f"/cases/apply/{item.base_code}/", c.get(f"/cases/apply/{item.base_code}/", follow=True))
