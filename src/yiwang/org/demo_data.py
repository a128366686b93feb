"""The demo county: 莒南县 (Junan County, Linyi, Shandong), GB/T 2260 code 371327.

Township names follow the real county; village names and every person are invented.
Statistical codes: township = county + 3 digits + "000"; village = township's 9 digits + 3 digits.
"""

from __future__ import annotations

COUNTY = ("371327", "莒南县")

# (3-digit code, name, villages/communities)
TOWNSHIPS: list[tuple[str, str, list[str]]] = [
    ("001", "十字路街道", ["东关社区", "西关社区", "南关社区", "北关社区", "城东社区", "城西社区", "香港路社区", "人民路社区", "文化路社区"]),
    ("101", "大店镇", ["大店村", "庄氏庄园村", "高家柳沟村", "北大店村", "南大店村", "西店头村", "东店头村", "潘家官庄村"]),
    ("102", "坪上镇", ["坪上村", "东坪上村", "西坪上村", "厉家寨村", "南山村", "北山村", "黄家庄村", "孟家沟村"]),
    ("103", "板泉镇", ["板泉村", "前板泉村", "后板泉村", "刘家官庄村", "朱家林村", "石沟村", "南岭村", "张家庄村", "东岭村"]),
    ("104", "石莲子镇", ["石莲子村", "朱家庄村", "东石莲子村", "侍家宅子村", "王家庄村", "河东村", "河西村", "孙家沟村"]),
    ("105", "洙边镇", ["洙边村", "北洙边村", "南洙边村", "小洙边村", "西山村", "官庄村", "杨家岭村", "张家河村"]),
    ("106", "文疃镇", ["文疃村", "东文疃村", "西文疃村", "大洼村", "小洼村", "刘家岭村", "徐家庄村", "马家沟村"]),
    ("107", "岭泉镇", ["岭泉村", "东岭泉村", "西岭泉村", "前岭村", "后岭村", "古城村", "河湾村", "陈家庄村", "赵家村"]),
    ("108", "筵宾镇", ["筵宾村", "东筵宾村", "西筵宾村", "鲁家庄村", "黄山村", "李家楼村", "北洼村", "王家沟村"]),
    ("109", "涝坡镇", ["涝坡村", "东涝坡村", "西涝坡村", "南涝坡村", "宋家庄村", "魏家村", "河北村", "高家岭村"]),
    ("110", "相沟镇", ["相沟村", "东相沟村", "西相沟村", "大山村", "小山村", "吴家庄村", "林家沟村", "周家岭村"]),
    ("111", "道口镇", ["道口村", "前道口村", "后道口村", "沙沟村", "曹家庄村", "韩家村", "河口村", "邵家岭村", "新村"]),
]

# (code, name, short name) — the county's departments.
DEPARTMENTS: list[tuple[str, str, str]] = [
    ("GOV", "莒南县人民政府办公室", "县政府办"),
    ("APPROVAL", "莒南县行政审批服务局", "审批局"),
    ("EFFICIENCY", "莒南县政务服务效能监察办公室", "效能办"),
    ("HOTLINE", "莒南县12345政务服务便民热线中心", "热线中心"),
    ("TRADING", "莒南县公共资源交易中心", "交易中心"),
    ("DATA", "莒南县大数据中心", "大数据中心"),
    ("DRC", "莒南县发展和改革局", "发改局"),
    ("EDU", "莒南县教育和体育局", "教体局"),
    ("SCI", "莒南县科学技术局", "科技局"),
    ("IND", "莒南县工业和信息化局", "工信局"),
    ("PS", "莒南县公安局", "公安局"),
    ("CIVIL", "莒南县民政局", "民政局"),
    ("JUSTICE", "莒南县司法局", "司法局"),
    ("FIN", "莒南县财政局", "财政局"),
    ("HRSS", "莒南县人力资源和社会保障局", "人社局"),
    ("NRP", "莒南县自然资源和规划局", "自然资源局"),
    ("ECO", "临沂市生态环境局莒南县分局", "生态环境分局"),
    ("HOUSING", "莒南县住房和城乡建设局", "住建局"),
    ("TRANSPORT", "莒南县交通运输局", "交通局"),
    ("WATER", "莒南县水利局", "水利局"),
    ("AGRI", "莒南县农业农村局", "农业农村局"),
    ("COMMERCE", "莒南县商务局", "商务局"),
    ("CULTURE", "莒南县文化和旅游局", "文旅局"),
    ("HEALTH", "莒南县卫生健康局", "卫健局"),
    ("VETERANS", "莒南县退役军人事务局", "退役军人局"),
    ("EMERGENCY", "莒南县应急管理局", "应急局"),
    ("AUDIT", "莒南县审计局", "审计局"),
    ("SAMR", "莒南县市场监督管理局", "市场监管局"),
    ("STATS", "莒南县统计局", "统计局"),
    ("MEDICARE", "莒南县医疗保障局", "医保局"),
    ("ENFORCE", "莒南县综合行政执法局", "执法局"),
    ("PETITION", "莒南县信访局", "信访局"),
]

# Departments with a window in the county service centre.
CENTRE_WINDOWS: list[tuple[str, str, list[str]]] = [
    ("1", "综合受理窗口（无差别受理）", ["APPROVAL"]),
    ("2", "综合受理窗口（无差别受理）", ["APPROVAL"]),
    ("3", "企业开办专区", ["APPROVAL", "SAMR"]),
    ("4", "工程建设项目审批专区", ["APPROVAL", "NRP", "HOUSING"]),
    ("5", "社会事务窗口", ["CIVIL", "VETERANS"]),
    ("6", "人社窗口", ["HRSS"]),
    ("7", "医保窗口", ["MEDICARE"]),
    ("8", "公安户政窗口", ["PS"]),
    ("9", "不动产登记窗口", ["NRP"]),
    ("10", "税务窗口", ["FIN"]),
    ("11", "公积金窗口", ["HOUSING"]),
    ("12", "卫健窗口", ["HEALTH"]),
    ("13", "出件窗口", ["APPROVAL"]),
    ("14", "“办不成事”反映窗口", ["EFFICIENCY"]),
]

DEMO_PASSWORD = "Yiwang-demo-2026"
# RFC 6238's test secret "12345678901234567890"; put it in any authenticator app.
DEMO_TOTP_HEX = "3132333435363738393031323334353637383930"
DEMO_TOTP_BASE32 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
DEMO_BACKUP_CODES = [f"2026{n:04d}" for n in range(1, 11)]

# (username, real name, role, where: "county" | township 3-digit code | "village:<t>:<n>", department code)
STAFF: list[tuple[str, str, str, str, str]] = [
    ("admin", "孙建国", "administrator", "county", ""),
    ("clerk", "李娜", "window_clerk", "county", "APPROVAL"),
    ("reviewer", "王磊", "reviewer", "county", "CIVIL"),
    ("approver", "刘芳", "approver", "county", "CIVIL"),
    ("depthead", "陈志强", "department_head", "county", "CIVIL"),
    ("samr_reviewer", "杨静", "reviewer", "county", "SAMR"),
    ("samr_approver", "黄海", "approver", "county", "SAMR"),
    ("nrp_reviewer", "周涛", "reviewer", "county", "NRP"),
    ("housing_reviewer", "吴敏", "reviewer", "county", "HOUSING"),
    ("hotline", "郑丽", "hotline_operator", "county", "HOTLINE"),
    ("supervisor", "赵刚", "supervisor", "county", "EFFICIENCY"),
    ("disclosure", "钱红", "disclosure_officer", "county", "GOV"),
    ("trading", "冯军", "trading_staff", "county", "TRADING"),
    ("leader", "沈明", "leader", "county", ""),
    ("szl_clerk", "韩梅", "window_clerk", "001", "T-001"),
    ("szl_supervisor", "曹亮", "supervisor", "001", ""),
    ("dd_clerk", "蒋涛", "window_clerk", "101", "T-101"),
    ("dd_head", "魏强", "department_head", "101", "T-101"),
    ("agent", "庄秀兰", "village_agent", "village:101:1", ""),
    ("agent_szl", "葛文", "village_agent", "village:001:1", ""),
]

# (username, real name, id birth date, sequence, phone)
CITIZENS: list[tuple[str, str, str, str, str]] = [
    ("citizen", "王秀英", "19520314", "002", "13800000000"),
    ("citizen2", "张建华", "19850921", "013", "13800000001"),
    ("villager", "庄大爷", "19410105", "031", "13800000002"),
]

# (username, enterprise name, legal representative, organisation-code body)
ENTERPRISES: list[tuple[str, str, str, str]] = [
    ("enterprise", "莒南县鲁东食品有限公司", "刘国强", "91371327MA3C"),
    ("bidder", "临沂宏达建设工程有限公司", "徐志远", "91371300MA3D"),
]

# --- staff so that every step of every demo process has someone to take it -------------------
# (checked by ``manage.py check_process_reachability``; see yiwang.workflow.assignment)
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
_GIVEN = ["建华", "秀梅", "志刚", "玉兰", "海燕", "国庆", "晓东", "春梅", "立新", "桂英", "文静", "红军", "丽娟",
          "永强", "凤英", "德明", "淑珍", "振华", "雪梅", "金凤", "建军", "桂兰", "卫东", "小红", "宏伟", "秀珍"]


def _name(index: int) -> str:
    return _SURNAMES[(index * 7) % len(_SURNAMES)] + _GIVEN[(index * 5) % len(_GIVEN)]


# County departments whose demo items need a reviewer and an approver (besides those in STAFF).
ITEM_DEPARTMENTS = ["APPROVAL", "AGRI", "CIVIL", "COMMERCE", "CULTURE", "ECO", "EDU", "EMERGENCY", "HEALTH",
                    "HOUSING", "HRSS", "MEDICARE", "NRP", "PS", "SAMR", "TRANSPORT", "VETERANS", "WATER"]
# Each township's service centre: 窗口, 审查, 审批, 负责人; and one village agent per township.
TOWNSHIP_ROLES = [("clerk", "window_clerk"), ("reviewer", "reviewer"), ("approver", "approver"),
                  ("head", "department_head")]


def coverage_staff() -> list[tuple[str, str, str, str, str]]:
    """Extra demo staff in the STAFF format, for every (role, place) no one in STAFF covers."""
    have = {(role, where, dep) for _u, _n, role, where, dep in STAFF}
    have_where = {(role, where.split(":")[1] if where.startswith("village:") else where) for _u, _n, role, where, _d
                  in STAFF}
    out: list[tuple[str, str, str, str, str]] = []
    index = 0
    for dep in ITEM_DEPARTMENTS:
        for role in ("reviewer", "approver"):
            if (role, "county", dep) not in have:
                index += 1
                out.append((f"{dep.lower()}_{role}", _name(index), role, "county", dep))
    for code, _township, _villages in TOWNSHIPS:
        for suffix, role in TOWNSHIP_ROLES:
            if (role, code, f"T-{code}") not in have:
                index += 1
                out.append((f"t{code}_{suffix}", _name(index), role, code, f"T-{code}"))
        if ("village_agent", code) not in have_where:
            index += 1
            out.append((f"t{code}_agent", _name(index), "village_agent", f"village:{code}:1", ""))
    return out
