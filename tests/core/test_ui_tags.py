"""Shared page texts: traffic lights say their level in words, overdue reads 已超期, messages are Chinese."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django import forms
from django.template import Context, Template

import yiwang

ROOT = Path(yiwang.__file__).parent
CSS = (ROOT / "static" / "yiwang" / "site.css").read_text(encoding="utf-8")


def _render(source: str, **context) -> str:
    return Template("{% load yiwang_ui %}" + source).render(Context(context))


@pytest.mark.parametrize(("remaining", "text"), [(-4, "已超期 4 个工作日"), (-1, "已超期 1 个工作日"),
                                                 (0, "剩余 0 个工作日"), (3, "剩余 3 个工作日")])
def test_remaining_working_days_read_as_overdue_when_negative(remaining, text):
    out = _render("{{ n|workdays_left }}", n=remaining)
    assert out == text
    assert "-" not in out


def test_the_case_clock_shows_overdue_days():
    class Clock:
        stopped = paused = False
        status, remaining, due_date = "red", -4, None

    html = Template("{% include 'cases/_clock.html' %}").render(Context({"clock": Clock()}))
    assert "已超期 4 个工作日" in html and "剩余 -4" not in html


@pytest.mark.parametrize(("level", "label"), [("green", "绿灯"), ("yellow", "黄灯"), ("red", "红灯")])
def test_a_light_badge_has_a_text_label_and_a_defined_colour(level, label):
    html = _render("{% light_badge level %}", level=level)
    assert f'class="light light-{level}"' in html and label in html
    assert f".light-{level}" in CSS
    assert _render("{% light_badge '' %}") .strip() == '<span class="light">—</span>'


def test_every_light_class_used_by_a_template_is_styled():
    # class="light yellow" once made the level column white on white
    used: set[str] = set()
    for path in ROOT.rglob("templates/**/*.html"):
        for classes in re.findall(r'class="light ([^"{]+)"', path.read_text(encoding="utf-8")):
            used.update(classes.split())
    undefined = {c for c in used if f".{c}" not in CSS}
    assert undefined == set()


def test_table_headers_do_not_wrap_and_table_scroll_is_defined():
    assert re.search(r"\bth \{[^}]*white-space: nowrap", CSS)
    assert re.search(r"\.table-scroll \{[^}]*overflow-x: auto", CSS)


class _Form(forms.Form):
    title = forms.CharField(max_length=5)
    kind = forms.ChoiceField(choices=[("a", "甲")])


def test_form_validation_messages_are_plain_chinese():
    form = _Form({"title": "一二三四五六七", "kind": "z"})
    assert not form.is_valid()
    assert form.errors["title"] == ["不能超过 5 个字（现有 7 个字）"]
    assert "请从列表中选择" in form.errors["kind"][0]
    assert _Form({}).errors["title"] == ["请填写此项"]
    text = str(form.errors)
    assert "变量" not in text and "Ensure" not in text


def test_process_steps_are_described_in_chinese():
    html = Template("{% load workflow_tags %}{{ k|step_kind_label }}/{{ r|role_label }}/{{ lv|level_label }}/"
                    "{{ d|department_label }}").render(Context({"k": "review", "r": "window_clerk",
                                                               "lv": "township", "d": "$item"}))
    assert html == "审查/窗口人员/乡镇/街道/事项实施部门"


def test_import_errors_name_the_workbook_column():
    html = Template("{% load catalog_ui %}{% for k, m in fields.items %}{{ k|column_label:'事项' }}={{ m|error_text }};"
                    "{% endfor %}").render(Context({"fields": {"name": "max 200", "base_code": "X1"}}))
    assert html == "事项名称=不能超过 200 个字符;基本编码=X1;"


def test_audit_objects_are_named_by_their_model():
    html = _render("{{ a|model_label }}/{{ b|model_label }}", a="accounts.user", b="catalog.import")
    assert html.split("/")[1] == "catalog.import" and "accounts.user" not in html.split("/")[0]
