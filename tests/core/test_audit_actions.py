"""The audit action registry: every code written in src/yiwang has a Chinese label."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from yiwang.core.audit import audit_record
from yiwang.core.audit_actions import ACTION_LABELS, action_is_labelled, action_label

SRC = Path(__file__).resolve().parents[2] / "src" / "yiwang"
WRITERS = {"audit_record", "session_event_record"}  # calls whose ``action=`` ends up in the chain
SAMPLE = "zzsample"  # stands for a run-time value in an f-string code


def _call_name(node: ast.Call) -> str:
    func = node.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _module_constants(tree: ast.Module) -> dict[str, str]:
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found[target.id] = node.value.value
    return found


def _fstring_samples(node: ast.JoinedStr) -> list[str]:
    """The codes an f-string can build, with run-time parts replaced by samples: a conditional of
    literals gives each branch, ``obj._meta.label_lower`` a real model label, anything else SAMPLE."""
    samples = [""]
    for part in node.values:
        if isinstance(part, ast.Constant):
            options = [str(part.value)]
        else:
            value = part.value  # type: ignore[attr-defined]
            if isinstance(value, ast.IfExp) and all(isinstance(b, ast.Constant) for b in (value.body, value.orelse)):
                options = [str(value.body.value), str(value.orelse.value)]  # type: ignore[attr-defined]
            elif isinstance(value, ast.Attribute) and value.attr == "label_lower":
                options = ["org.division"]
            else:
                options = [SAMPLE]
        samples = [head + option for head in samples for option in options]
    return samples


def _codes(value: ast.expr, constants: dict[str, str]) -> list[str] | None:
    """The codes an ``action=`` argument can hold; None when it is a parameter passed through."""
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return [value.value]
    if isinstance(value, ast.IfExp):
        body, orelse = _codes(value.body, constants), _codes(value.orelse, constants)
        return None if body is None or orelse is None else body + orelse
    if isinstance(value, ast.JoinedStr):
        return _fstring_samples(value)
    if isinstance(value, ast.Name) and value.id in constants:
        return [constants[value.id]]
    return None


def written_action_codes() -> dict[str, str]:
    """code → "path:line" for every action code written by an audit call in src/yiwang."""
    found: dict[str, str] = {}
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = _module_constants(tree)
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and _call_name(node) in WRITERS):
                continue
            for keyword in node.keywords:
                if keyword.arg != "action":
                    continue
                codes = _codes(keyword.value, constants)
                where = f"{path.relative_to(SRC)}:{node.lineno}"
                if codes is None:
                    # a pass-through parameter: allowed only in the wrappers listed in WRITERS
                    assert isinstance(keyword.value, ast.Name), f"action code not understood at {where}"
                    continue
                for code in codes:
                    found.setdefault(code, where)
    return found


def test_the_walker_finds_the_known_codes():
    codes = written_action_codes()
    # given the code base writes well over a hundred codes, including the run-time families
    assert len(codes) > 120
    for code in ("account.2fa_pass", "case.accept", "person.unmask", "account.login", "catalog.item.deactivate",
                 f"hotline.escalation.{SAMPLE}", f"supervision.alert_{SAMPLE}", "org.division.delete.admin"):
        assert code in codes


def test_every_written_action_code_has_a_chinese_label():
    missing = {code: where for code, where in written_action_codes().items() if not action_is_labelled(code)}
    assert not missing, f"add these to yiwang/core/audit_actions.py: {missing}"


def test_every_registry_label_is_chinese():
    for code, label in ACTION_LABELS.items():
        assert any("\u4e00" <= ch <= "\u9fff" for ch in str(label)), code


@pytest.mark.parametrize(("code", "label"), [
    ("account.2fa_pass", "通过二次验证"),
    ("case.accept", "受理办件"),
    ("hotline.escalation.urge", "工单催办"),
    ("hotline.escalation.other", "工单催办督办"),
    ("supervision.alert_explain", "预警情况说明"),
    ("supervision.alert_reopen", "处理监察预警"),
])
def test_action_label(code, label):
    assert action_label(code) == label


@pytest.mark.django_db
def test_admin_codes_are_named_after_the_model():
    assert action_label("org.division.delete.admin") == "后台删除：行政区划"
    assert action_label("org.position.change.admin").startswith("后台修改：")


def test_unknown_codes_come_back_unchanged():
    assert action_label("test.nothing") == "test.nothing"
    assert not action_is_labelled("test.nothing")
    assert not action_is_labelled("hotline.escalation.")


@pytest.mark.django_db
def test_audit_api_gives_the_label_beside_the_code(login_as, supervisor, clerk_a):
    # given an event written by a clerk in the supervisor's scope
    audit_record(action="case.accept", actor=clerk_a, position=clerk_a.positions.get(),
                 object_type="cases.case", object_id="1")
    audit_record(action="test.unlisted", actor=clerk_a, position=clerk_a.positions.get())
    # when the supervisor reads the audit API
    items = login_as(supervisor).get("/api/v1/audit/events").json()["items"]
    # then the code is kept and the Chinese label is beside it
    by_code = {item["action"]: item["action_label"] for item in items}
    assert by_code["case.accept"] == "受理办件"
    assert by_code["test.unlisted"] == "test.unlisted"
