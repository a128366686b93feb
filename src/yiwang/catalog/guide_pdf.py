"""The printable service guide (办事指南) as a PDF."""

from __future__ import annotations

import io

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer, Table, TableStyle

from yiwang.catalog.models import ServiceItemVersion
from yiwang.core.pdf import FONT, base_document, paragraph


def _limit(number: int, unit_label: str) -> str:
    return f"{number} 个{unit_label}"


def _table(rows: list[list[str]], widths: list[float], *, header: bool = True) -> Table:
    data = [[paragraph(cell, "cell") for cell in row] for row in rows]
    table = Table(data, colWidths=widths, repeatRows=1 if header else 0)
    style = [
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f3e5e5")))
    table.setStyle(TableStyle(style))
    return table


def guide_pdf(version: ServiceItemVersion, *, steps: list[str] | None = None) -> bytes:
    """Render the guide of a (published) version. ``steps``: the process's step names, if known."""
    buffer = io.BytesIO()
    doc = base_document(buffer, f"{version.name} · 办事指南")
    yes_no = {True: "是", False: "否"}
    story: list[Flowable] = [
        paragraph(f"{version.name}办事指南", "title"),
        paragraph(f"基本编码：{version.item.base_code}　实施编码：{version.implementation_code}　"
                  f"版本：第 {version.number} 版", "small"),
        Spacer(1, 4 * mm),
        paragraph("一、基本信息", "heading"),
        _table([
            ["事项类型", version.get_item_type_display(), "业务办理项", version.get_business_kind_display()],
            ["实施主体", version.department.name, "受委托部门",
             version.entrusted_department.name if version.entrusted_department else "无"],
            ["联办部门", "、".join(d.name for d in version.joint_departments.all()) or "无",
             "权力来源", version.power_source or "—"],
            ["办理层级", "、".join(version.level_labels()), "服务对象", "、".join(version.target_labels())],
            ["办理形式", version.handling_form or "—", "数量限制", version.quantity_limit or "无"],
        ], [28 * mm, 57 * mm, 28 * mm, 57 * mm], header=False),
        paragraph("二、设定依据", "heading"),
        paragraph(version.legal_basis),
        paragraph("三、受理条件", "heading"),
        paragraph(version.acceptance_conditions or "无特别条件"),
        paragraph("四、申请材料", "heading"),
    ]
    materials = list(version.materials.all())
    if materials:
        rows = [["序号", "材料名称", "必要", "形式", "来源", "份数", "受理标准"]]
        rows += [[str(i), m.name, yes_no[m.required], m.get_form_display(), m.get_source_display(), str(m.copies),
                  m.acceptance_standard or "—"] for i, m in enumerate(materials, start=1)]
        story.append(_table(rows, [10 * mm, 45 * mm, 11 * mm, 18 * mm, 24 * mm, 11 * mm, 51 * mm]))
    else:
        story.append(paragraph("无需提交申请材料"))
    story += [
        paragraph("五、办理时限", "heading"),
        paragraph(f"法定办结时限：{_limit(version.statutory_limit, version.get_statutory_unit_display())}；"
                  f"承诺办结时限：{_limit(version.promised_limit, version.get_promised_unit_display())}。"
                  f"{version.limit_note}"),
        paragraph("六、收费", "heading"),
    ]
    fees = list(version.fee_items.all())
    if version.is_charged and fees:
        rows = [["收费项目", "收费标准", "收费依据", "可减免"]]
        rows += [[f.name, f"{f.amount} {f.unit}", f.basis, yes_no[f.reducible]] for f in fees]
        story.append(_table(rows, [40 * mm, 28 * mm, 86 * mm, 16 * mm]))
    else:
        story.append(paragraph("不收费"))
    story += [paragraph("七、办理流程", "heading")]
    story.append(paragraph(" → ".join(steps) if steps else "受理 → 审查 → 决定 → 办结"))
    if version.special_procedures:
        story.append(paragraph(f"特别程序：{version.special_procedures}"))
    story += [
        paragraph("八、办理结果", "heading"),
        paragraph(f"{version.result_name or '—'}（{version.get_result_type_display()}）"),
        paragraph("九、办理方式", "heading"),
        _table([
            ["到现场次数", f"{version.onsite_visits} 次", "网上办理深度", f"{version.online_depth} 级"],
            ["物流快递", yes_no[version.express_delivery], "网上支付", yes_no[version.online_payment]],
            ["预约办理", yes_no[version.booking], "办理时间", version.hours or "—"],
            ["办理地点", version.place or "—", "", ""],
        ], [28 * mm, 57 * mm, 28 * mm, 57 * mm], header=False),
        paragraph("十、咨询与投诉", "heading"),
        paragraph(f"咨询电话：{version.consult_phone or '—'}；监督投诉电话：{version.complaint_phone or '—'}"),
    ]
    if version.faq:
        story.append(paragraph("十一、常见问题", "heading"))
        for entry in version.faq:
            story.append(paragraph(f"问：{entry.get('q', '')}"))
            story.append(paragraph(f"答：{entry.get('a', '')}", "small"))
    doc.build(story)
    return buffer.getvalue()
