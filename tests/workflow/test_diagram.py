"""Server-side SVG diagrams."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from lxml import etree

from tests.workflow.test_validation import linear, task
from yiwang.workflow.diagram import render_svg
from yiwang.workflow.models import ProcessDefinition, ProcessStatus

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> etree._Element:
    return etree.fromstring(svg.encode())


def node_class(root: etree._Element, element_id: str) -> str:
    group = root.find(f".//{SVG}g[@data-element-id='{element_id}']")
    assert group is not None, element_id
    return group.get("class", "")


def test_svg_has_labels_highlights_and_accessibility(make_definition):
    definition = make_definition("standard")
    svg = render_svg(definition, completed={"start", "accept"}, current={"review"})
    root = parse(svg)
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "测试-standard"
    assert "审查（当前环节）" in root.find(f"{SVG}desc").text
    assert "受理（已完成）" in root.find(f"{SVG}desc").text
    assert "WenQuanYi Micro Hei" in root.get("font-family")
    text = "".join(root.itertext())
    for label in ("受理", "审查", "决定", "办结"):
        assert label in text
    assert "completed" in node_class(root, "accept")
    assert "current" in node_class(root, "review")
    assert "pending" in node_class(root, "decide")
    review_rect = root.find(f".//{SVG}g[@data-element-id='review']/{SVG}rect")
    assert review_rect.get("fill") == "#fff1e0"
    accept_rect = root.find(f".//{SVG}g[@data-element-id='accept']/{SVG}rect")
    assert accept_rect.get("fill") == "#e6f4ea"
    assert len(root.findall(f".//{SVG}polyline")) == 5


def test_gateways_and_flow_labels(make_definition, county):
    definition = make_definition("joint", ["D-APPROVAL", "D-CIVIL"])
    root = parse(render_svg(definition))
    assert len(root.findall(f".//{SVG}polygon")) == 2  # split and join
    assert "莒南县民政局" in "".join(root.itertext())
    township = parse(render_svg(make_definition("township_county")))
    assert "不通过" in "".join(township.itertext())


def test_file_without_di_is_laid_out(db):
    xml = linear(task(name="自动布局&lt;审查&gt;"))
    definition = ProcessDefinition(pk=None, name="x", process_id="p", bpmn_xml=xml, sha256="n",
                                   status=ProcessStatus.VALID)
    root = parse(render_svg(definition))
    rect = root.find(f".//{SVG}g[@data-element-id='t']/{SVG}rect")
    circles = root.findall(f".//{SVG}circle")
    assert rect is not None and len(circles) == 2
    assert float(circles[0].get("cx")) < float(rect.get("x")) < float(circles[1].get("cx"))
    assert "自动布局<审查>" in "".join(root.itertext())  # escaped, parsed back


def test_template_tag_and_include(make_definition):
    definition = make_definition("standard")
    html = Template("{% load workflow_tags %}{% process_diagram d done now %}").render(
        Context({"d": definition, "done": ["accept"], "now": ["review"]}))
    assert html.startswith('<figure class="process-diagram-figure"><svg')
    assert "current" in html
    included = Template('{% include "workflow/_diagram.html" with svg=svg %}').render(
        Context({"svg": render_svg(definition)}))
    assert "<svg" in included
    definition.status = ProcessStatus.INVALID
    assert Template("{% load workflow_tags %}{% process_diagram d %}").render(Context({"d": definition})) == ""
