"""Reading BPMN 2.0 XML safely (BPMN 文件的安全解析): the namespaces, the hardened lxml parser and
the role labels a lane may carry. Shared by :mod:`yiwang.workflow.validation` (which checks a file)
and :mod:`yiwang.workflow.engine` (which runs it); neither imports the other for these.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from lxml import etree

from yiwang.org.roles import Role

MAX_BPMN_BYTES = 1024 * 1024

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"
DI_NS = "http://www.omg.org/spec/DD/20100524/DI"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"

ROLE_BY_LABEL = {str(label): value for value, label in Role.choices}


def safe_parser() -> etree.XMLParser:
    """An lxml parser that never resolves entities, loads DTDs or touches the network."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, remove_comments=True, remove_pis=True)


def parse_xml(xml: str | bytes) -> etree._Element:
    """Parse BPMN text safely. Raises ``ValueError`` (message for the user) on anything unsafe."""
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    if len(data) > MAX_BPMN_BYTES:
        raise ValueError(_("文件超过 1 MB"))
    if b"<!DOCTYPE" in data.upper() or b"<!ENTITY" in data.upper():
        raise ValueError(_("不允许 DOCTYPE 或实体声明"))
    try:
        root = etree.fromstring(data, safe_parser())
    except etree.XMLSyntaxError as exc:
        raise ValueError(_("XML 格式错误：{error}").format(error=exc.msg)) from exc
    if root is None:
        raise ValueError(_("XML 为空"))
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise ValueError(_("不允许 DOCTYPE 或实体声明"))
    return root
