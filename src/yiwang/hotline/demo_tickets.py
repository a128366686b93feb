"""Demo corpus for the 12345 hotline: matter types, the dispatch catalogue and a few hundred tickets.

Everything is invented for the demo county (莒南县) and generated deterministically from
templates × places × details with a seeded RNG, so the classifier helper can import
:func:`demo_ticket_rows` and train/measure on the same rows the demo database holds.

The text ↔ unit mapping follows the catalogue below: each matter type is owned by one county
department, except "township" matters (村务, 邻里纠纷, 农村违建, 农村人居环境) whose lead unit is
the township's 便民服务中心 (``T-xxx``) of the division the ticket is in — a classifier therefore
needs the division as well as the text for those. Templates for one matter deliberately use
several phrasings (not one keyword), and a few templates share vocabulary across matters
(e.g. 噪音 from a construction site vs. from a restaurant), so the task is not trivial.
"""

from __future__ import annotations

import random
from typing import Any

from yiwang.org.demo_data import COUNTY, TOWNSHIPS

# (code, name, default category, county lead unit, assisting unit codes, owned by township?)
MATTER_TYPES: list[tuple[str, str, str, str, tuple[str, ...], bool]] = [
    ("NOISE", "噪音扰民", "complaint", "ENFORCE", (), False),
    ("CONSTRUCTION_NOISE", "施工噪音", "complaint", "HOUSING", ("ENFORCE",), False),
    ("ROAD", "道路破损", "help", "HOUSING", (), False),
    ("RURAL_ROAD", "农村道路", "help", "TRANSPORT", (), False),
    ("WATER_SUPPLY", "供水", "help", "WATER", (), False),
    ("WAGE", "拖欠工资", "complaint", "HRSS", (), False),
    ("SOCIAL_INSURANCE", "社保缴费", "consult", "HRSS", (), False),
    ("FOOD_SAFETY", "食品安全", "report", "SAMR", (), False),
    ("CONSUMER", "消费维权", "complaint", "SAMR", (), False),
    ("PROPERTY", "物业纠纷", "complaint", "HOUSING", (), False),
    ("ILLEGAL_BUILDING", "违章建筑", "report", "ENFORCE", ("NRP",), True),
    ("MEDICAL_INSURANCE", "医保报销", "consult", "MEDICARE", (), False),
    ("SUBSISTENCE", "低保救助", "help", "CIVIL", (), False),
    ("SCHOOL_ENROLMENT", "学校招生", "consult", "EDU", (), False),
    ("POLLUTION", "环境污染", "report", "ECO", (), False),
    ("STREET_VENDOR", "占道经营", "complaint", "ENFORCE", (), False),
    ("STREETLIGHT", "路灯照明", "help", "HOUSING", (), False),
    ("BUS", "公交出行", "suggestion", "TRANSPORT", (), False),
    ("HOUSEHOLD_REG", "户籍办理", "consult", "PS", (), False),
    ("MEDICAL_SERVICE", "医疗服务", "complaint", "HEALTH", (), False),
    ("FARM_SUBSIDY", "农业补贴", "consult", "AGRI", (), False),
    ("VILLAGE_AFFAIRS", "村务公开", "complaint", "CIVIL", (), True),
    ("NEIGHBOUR", "邻里纠纷", "help", "JUSTICE", (), True),
    ("RURAL_ENVIRONMENT", "农村人居环境", "suggestion", "AGRI", (), True),
]

# Matters owned by a township: the per-township catalogue rule sends them to T-xxx.
TOWNSHIP_MATTERS = frozenset(code for code, *_rest, township in MATTER_TYPES if township)

URBAN_TOWNSHIP = "001"  # 十字路街道, the county seat
_MATTER = {code: (name, cat, unit, assist, township) for code, name, cat, unit, assist, township in MATTER_TYPES}

_STREETS = ["人民路", "文化路", "香港路", "振兴路", "隆山路", "鸡龙河路", "大成街", "滨河路", "东方红路", "民主街"]
_ESTATES = ["鸿福花园", "阳光新城", "金色家园", "龙湖御景", "东方明珠小区", "翰林苑", "世纪花园", "锦绣华庭",
            "凤凰城", "天一名居"]
_SHOPS = ["一家烧烤店", "一家火锅店", "一家小超市", "农贸市场门口的熟食摊", "一家早餐店", "一家奶茶店",
          "一家饭店", "学校门口的小卖部"]
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段漕钱汤尹黎易常武乔贺赖龚文庄"
_GIVEN = ["先生", "女士", "大爷", "大娘", "师傅"]
_TIMES = ["最近一个月", "这半个月", "连续一周", "从上周开始", "近两个月", "这几天"]
_OPENINGS = ["", "", "", "您好，", "你好，我想反映个事，", "我是附近的居民，", "反映一个问题：", "麻烦问一下，"]
_CLOSINGS = ["", "", "", "麻烦尽快处理。", "希望能给个答复。", "谢谢。", "请相关部门重视。", "盼回复。"]
_HOURS = ["晚上十一点以后", "凌晨一两点", "中午午休时间", "早上五点多", "夜里十二点左右"]

# Each template: (category or None = matter default, urgency, text with {slots}).
_T = dict[str, list[tuple[str | None, str, str]]]
TEMPLATES: _T = {
    "NOISE": [
        (None, "normal", "{estate}楼下{shop}{time}每天{hour}还在营业，客人喝酒划拳声音很大，影响居民休息，希望有关部门管一管。"),
        (None, "normal", "{street}附近有人{time}在广场跳舞，音响开得特别响，{hour}才散，老人孩子都睡不好。"),
        (None, "normal", "{street}上{shop}门口放着大功率喇叭循环播放促销广告，{time}一直这样，吵得人心烦。"),
        ("suggestion", "normal", "建议对{street}沿街商铺外放音响进行规范，{time}噪声明显扰民。"),
    ],
    "CONSTRUCTION_NOISE": [
        (None, "normal", "{estate}旁边的工地{time}{hour}还在打桩施工，机器轰鸣，是否办理了夜间施工许可？"),
        (None, "normal", "{street}一处在建楼盘{hour}连夜浇筑混凝土，搅拌车来回跑，噪音和灰尘都很大。"),
        (None, "urgent", "{estate}东侧工地{hour}用切割机作业，声音刺耳，家里有高考学生，请尽快处理。"),
    ],
    "ROAD": [
        (None, "normal", "{street}与{street2}交叉口路面塌陷出一个大坑，下雨积水看不见，已经有电动车摔倒。"),
        (None, "urgent", "{street}中段窨井盖破损缺失，晚上没有警示，行人很容易掉进去，请尽快修复。"),
        (None, "normal", "{estate}门口的人行道砖{time}坑坑洼洼，翘起来好几块，老人走路容易绊倒。"),
        ("suggestion", "normal", "{street}路面裂缝很多，建议在汛期前安排维修，以免雨季进一步损坏。"),
    ],
    "RURAL_ROAD": [
        (None, "normal", "{village}通往镇上的村道{time}被大车压坏，路面全是坑，学生上学很不方便。"),
        (None, "normal", "{village}的村村通公路有一段路基被雨水冲垮了，车辆只能绕行，希望能修一修。"),
        ("suggestion", "normal", "{village}到县城的乡道没有安装护栏，弯道多，建议增设警示标志。"),
        (None, "urgent", "{village}村口的漫水桥被冲坏，桥面断开，车辆行人无法通行。"),
    ],
    "WATER_SUPPLY": [
        (None, "urgent", "{village}{time}自来水停了，没有接到任何通知，村里老人吃水困难。"),
        (None, "normal", "{village}自来水水压太低，二楼以上根本上不去水，{time}都是这样。"),
        (None, "normal", "{village}的自来水发黄，有沉淀物，烧开后有水垢，担心水质有问题。"),
        ("consult", "normal", "{village}想申请接通集中供水管网，需要找哪个部门，费用怎么算？"),
    ],
    "WAGE": [
        (None, "normal", "我在{street}一处工地干了四个月木工，包工头一直拖着不给工钱，共欠{money}元。"),
        (None, "normal", "我们二十多个工人在{village}附近的厂里上班，老板{time}没发工资了，电话也不接。"),
        ("help", "normal", "年底了，装修队老板欠我{money}元工资不给，我该怎么维权？"),
        (None, "urgent", "{street}一家公司突然关门，欠我们三个月工资，老板跑了，工人们都在门口等着。"),
    ],
    "SOCIAL_INSURANCE": [
        (None, "normal", "灵活就业人员怎么在网上缴纳城乡居民养老保险？每年缴费档次有哪些？"),
        (None, "normal", "我在外地打工交了几年社保，现在回莒南，养老保险关系怎么转移接续？"),
        (None, "normal", "单位一直没给我缴纳社保，{time}才发现，这个情况可以补缴吗？"),
        ("complaint", "normal", "{street}一家公司和员工签合同却不交社会保险，我们向公司反映没人理。"),
    ],
    "FOOD_SAFETY": [
        (None, "normal", "{street}{shop}后厨卫生很差，苍蝇乱飞，还用来路不明的油，吃完拉肚子。"),
        (None, "normal", "在{estate}附近超市买的面包已经过期三天还在卖，小票和照片都留着。"),
        (None, "urgent", "{village}有个小作坊在做豆腐和凉皮，没有任何证照，环境脏乱，担心食品安全。"),
        ("complaint", "normal", "{street}一家餐馆没有健康证的人在操作，餐具也不消毒。"),
    ],
    "CONSUMER": [
        (None, "normal", "在{street}一家健身房办了年卡，{time}突然关门了，剩下的钱退不回来。"),
        (None, "normal", "{street}一家手机店卖给我的新手机是翻新机，商家不承认也不给退。"),
        (None, "normal", "在{estate}旁边的理发店充值了两千元，现在店铺转让不认账。"),
        ("report", "normal", "{street}{shop}缺斤短两，一斤苹果只有八两多，秤有问题。"),
    ],
    "PROPERTY": [
        (None, "normal", "{estate}物业{time}不打扫楼道，电梯经常坏，物业费却年年涨。"),
        (None, "normal", "{estate}小区物业擅自把绿地改成停车位收费，业主都不同意。"),
        (None, "normal", "{estate}电梯困人两次了，物业说没有维保经费，业主很担心安全。"),
        ("consult", "normal", "{estate}业主想更换物业公司，业主大会应该怎么召开，需要什么程序？"),
    ],
    "ILLEGAL_BUILDING": [
        (None, "normal", "{estate}顶楼住户在楼顶私自加盖了一层彩钢房，存在安全隐患。"),
        (None, "normal", "{village}有人在耕地上盖房子，说是建养殖场，其实是盖的住宅。"),
        (None, "normal", "{street}沿街商户把门前空地圈起来搭了棚子，占用公共通道。"),
        ("complaint", "normal", "{village}邻居翻建房屋越过了宅基地界线，挡住了我家的出路。"),
    ],
    "MEDICAL_INSURANCE": [
        (None, "normal", "在外地住院的费用回来怎么报销，需要准备哪些材料？"),
        (None, "normal", "慢性病门诊待遇怎么申请？我母亲有高血压和糖尿病。"),
        (None, "normal", "城乡居民医保{year}年的缴费标准是多少，在哪里交？"),
        ("complaint", "normal", "在县里一家医院住院结算时，医保报销比例比说好的低，不知道什么原因。"),
    ],
    "SUBSISTENCE": [
        (None, "normal", "{village}一位孤寡老人生活困难，没有收入来源，能否帮他申请低保？"),
        (None, "normal", "我家孩子得了重病，花了很多钱，家里困难，想申请临时救助。"),
        ("consult", "normal", "低保申请的条件是什么，家里有车还能不能申请？"),
        ("complaint", "normal", "{village}有人家里条件很好也在吃低保，真正困难的却评不上。"),
    ],
    "SCHOOL_ENROLMENT": [
        (None, "normal", "孩子今年上小学，户口在{village}，住在{estate}，应该去哪个学校报名？"),
        (None, "normal", "随迁子女在县城上初中需要提供哪些材料，什么时候网上报名？"),
        ("complaint", "normal", "{street}一所学校让家长买指定的校服和教辅资料，不买就点名。"),
        ("suggestion", "normal", "{estate}周边没有幼儿园，孩子上学要跑很远，建议规划一所公办园。"),
    ],
    "POLLUTION": [
        (None, "normal", "{village}附近一家石材厂{time}粉尘很大，晾的衣服都是灰。"),
        (None, "urgent", "{village}河沟里的水突然变黑发臭，还有死鱼，怀疑上游有厂偷排污水。"),
        (None, "normal", "{street}一家汽修厂喷漆不在封闭房里，油漆味很呛人，{hour}还在干。"),
        (None, "normal", "{village}有人{hour}焚烧垃圾和废旧轮胎，黑烟很大，气味刺鼻。"),
    ],
    "STREET_VENDOR": [
        (None, "normal", "{street}早市的摊贩把人行道全占满了，行人只能走机动车道，很危险。"),
        (None, "normal", "{estate}门口{time}每天傍晚有流动摊点卖烧烤，油烟和垃圾很多。"),
        (None, "normal", "{street}上{shop}把桌椅摆到马路上经营，堵得车都过不去。"),
    ],
    "STREETLIGHT": [
        (None, "normal", "{street}一段路灯{time}都不亮，晚上黑乎乎的，走路不安全。"),
        (None, "normal", "{estate}门前路段的路灯白天也亮着，晚上反而灭了，浪费电。"),
        ("suggestion", "normal", "{street}到{street2}之间没有路灯，建议增设照明设施。"),
    ],
    "BUS": [
        (None, "normal", "建议开通{village}到县城的公交线路，现在只能坐黑车，很不安全。"),
        (None, "normal", "县城{street}公交站{time}发车间隔太长，早高峰等了四十分钟。"),
        ("complaint", "normal", "坐县城公交时司机态度恶劣，不等乘客坐稳就急刹车，老人差点摔倒。"),
        ("consult", "normal", "老年人免费乘坐公交的卡在哪里办理，需要什么证件？"),
    ],
    "HOUSEHOLD_REG": [
        (None, "normal", "孩子出生后上户口需要哪些材料？父母户口不在一个地方。"),
        (None, "normal", "身份证丢了在外地能不能补办，要多长时间？"),
        (None, "normal", "我想把户口从{village}迁到县城{estate}，需要什么手续？"),
        ("complaint", "normal", "去派出所办户口迁移，来回跑了三趟还没办成，每次说的材料都不一样。"),
    ],
    "MEDICAL_SERVICE": [
        (None, "normal", "县医院门诊挂号排队两个小时，医生看病不到三分钟，态度很不耐烦。"),
        (None, "normal", "{village}卫生室{time}经常没人，村民看个小病都得跑到镇上。"),
        ("report", "normal", "{street}一家诊所没有执业资格的人在给人打针输液。"),
        ("suggestion", "normal", "建议乡镇卫生院增加儿科医生，{village}孩子看病太难了。"),
    ],
    "FARM_SUBSIDY": [
        (None, "normal", "今年的耕地地力保护补贴什么时候发？{village}还没收到。"),
        (None, "normal", "购买农机具有补贴吗？怎么申请，需要什么材料？"),
        ("complaint", "normal", "{village}种粮补贴的面积和我家实际种的对不上，少了好几亩。"),
        ("report", "normal", "{village}附近一家农资店卖的化肥是假的，庄稼用了都不长。"),
    ],
    "VILLAGE_AFFAIRS": [
        (None, "normal", "{village}的村务公开栏{time}没有更新，村集体土地承包费收支不清楚。"),
        (None, "normal", "{village}修路的钱是怎么花的，村民都不知道，希望公开账目。"),
        ("report", "normal", "{village}村干部把集体的池塘私自承包给亲戚，没有开村民大会。"),
        ("consult", "normal", "{village}的宅基地申请需要村里开什么证明，流程是怎样的？"),
    ],
    "NEIGHBOUR": [
        (None, "normal", "{village}邻居家的排水沟把水引到我家门口，说了好几次也不改。"),
        (None, "normal", "{village}两家因为一棵树的归属吵了起来，希望村里和镇上帮忙调解。"),
        (None, "normal", "{village}邻居养的狗{time}半夜一直叫，还咬伤过小孩，协商无果。"),
        ("complaint", "normal", "{village}邻居把柴草堆在公共胡同里，存在火灾隐患，劝说不听。"),
    ],
    "RURAL_ENVIRONMENT": [
        (None, "normal", "{village}村头的垃圾池{time}没人清运，臭气熏天，苍蝇很多。"),
        (None, "normal", "建议在{village}增设几个垃圾桶，现在村民只能把垃圾倒在河边。"),
        ("complaint", "normal", "{village}有养殖户把粪便直接倒在路边，气味很大，影响村容。"),
        ("help", "normal", "{village}的厕所改造后化粪池满了没人来抽，能不能安排一下？"),
    ],
}

REPLY_TEXT: dict[str, str] = {
    "NOISE": "经现场核查，已责令经营者规范经营时间并降低音量，执法队员将持续巡查。",
    "CONSTRUCTION_NOISE": "经核实，该工地未办理夜间施工手续，已责令停止夜间施工并依法处理。",
    "ROAD": "已安排市政养护单位现场设置警示标志并完成修补。",
    "RURAL_ROAD": "已会同镇政府对受损路段进行勘察，列入近期养护计划并先行临时修复。",
    "WATER_SUPPLY": "经查为管网检修所致，已恢复供水，今后停水将提前通知。",
    "WAGE": "劳动保障监察大队已约谈用工单位，欠付工资已支付到位。",
    "SOCIAL_INSURANCE": "已电话告知参保缴费渠道、档次及转移接续办理流程。",
    "FOOD_SAFETY": "执法人员已现场检查，对发现的问题责令整改并立案调查。",
    "CONSUMER": "已组织双方调解，商家同意退还剩余费用。",
    "PROPERTY": "已约谈物业公司，督促其履行服务合同，限期整改。",
    "ILLEGAL_BUILDING": "经现场核查属违法建设，已下达限期拆除通知书。",
    "MEDICAL_INSURANCE": "已告知报销所需材料及办理渠道，可在医保窗口或线上办理。",
    "SUBSISTENCE": "已安排镇民政办入户核查，符合条件的按程序纳入救助。",
    "SCHOOL_ENROLMENT": "已告知学区划分及报名时间、所需材料。",
    "POLLUTION": "执法人员已现场检查取样，责令企业停产整改，依法立案处罚。",
    "STREET_VENDOR": "已对占道摊点进行劝导清理，并加强该路段早晚巡查。",
    "STREETLIGHT": "已安排路灯维护单位检修，路灯恢复正常照明。",
    "BUS": "已将建议纳入线路优化调研，并对相关驾驶员进行教育。",
    "HOUSEHOLD_REG": "已告知所需材料与办理地点，可通过网上预约办理。",
    "MEDICAL_SERVICE": "已责成相关医疗机构核查整改，加强服务管理。",
    "FARM_SUBSIDY": "已核实补贴发放进度及面积，差错部分已更正补发。",
    "VILLAGE_AFFAIRS": "镇政府已督促村委会公开相关账目，并组织村民代表会议说明情况。",
    "NEIGHBOUR": "镇司法所与村调委会已上门调解，双方达成一致意见。",
    "RURAL_ENVIRONMENT": "镇政府已安排保洁人员清运，并将该村纳入定期巡查。",
}


def _fill(rng: random.Random, text: str, village: str) -> str:
    street, street2 = rng.sample(_STREETS, 2)
    return text.format(
        street=street, street2=street2, estate=rng.choice(_ESTATES), shop=rng.choice(_SHOPS),
        time=rng.choice(_TIMES), hour=rng.choice(_HOURS), village=village,
        money=rng.choice(["八千", "一万二", "六千五", "两万", "九千"]), year=rng.choice(["2026", "今"]),
    )


def township_code(three: str) -> str:
    return f"{COUNTY[0]}{three}000"


def village_code(three: str, index: int, name: str) -> str:
    """Same rule as ``seed_demo``: communities 001…, villages 201… (1-based ``index``)."""
    prefix = 0 if name.endswith("社区") else 200
    return f"{COUNTY[0]}{three}{prefix + index:03d}"


def catalogue_unit(matter_code: str, township: str) -> str:
    """The lead unit code the catalogue gives ``matter_code`` in township ``township`` (3 digits).

    Township-owned matters go to that township's 便民服务中心, except illegal building in the county
    seat (十字路街道), which stays with the county's 综合行政执法局.
    """
    _name, _cat, county_unit, _assist, township_owned = _MATTER[matter_code]
    if township_owned and not (matter_code == "ILLEGAL_BUILDING" and township == URBAN_TOWNSHIP):
        return f"T-{township}"
    return county_unit


def _title(matter_name: str, content: str) -> str:
    return f"{matter_name}：{content[:18]}…"


def demo_ticket_rows(n: int = 360, *, seed: int = 12345) -> list[dict[str, Any]]:
    """The demo tickets, deterministic for a given ``n`` and ``seed``.

    Each row: ``key`` (stable idempotency key), ``category``, ``channel``, ``urgency``, ``matter_type``
    (code), ``title``, ``content``, ``caller_name``, ``caller_phone``, ``division_code`` (a village, or
    the township), ``township_code``, ``unit_code`` (the lead unit it was dispatched to),
    ``assisting_codes``, ``days_ago`` (when it arrived), ``outcome`` (closed/handling/replied/dispatched),
    ``satisfaction`` (for closed ones), ``reply`` and ``publish_consent``.
    """
    rng = random.Random(seed)
    matter = _MATTER
    weights = {code: 1.0 for code in matter}
    for busy in ("NOISE", "ROAD", "WAGE", "PROPERTY", "RURAL_ENVIRONMENT", "WATER_SUPPLY"):
        weights[busy] = 1.6
    codes = list(matter)
    rows: list[dict[str, Any]] = []
    for i in range(n):
        code = rng.choices(codes, weights=[weights[c] for c in codes])[0]
        name, default_cat, county_unit, assist, township_owned = matter[code]
        cat, urgency, template = rng.choice(TEMPLATES[code])
        # Urban matters mostly happen in the county seat; rural ones in the townships.
        urban = "{street}" in template or "{estate}" in template
        if urban and "{village}" not in template:
            t3, _tname, villages = next(t for t in TOWNSHIPS if t[0] == URBAN_TOWNSHIP)
        else:
            t3, _tname, villages = rng.choice([t for t in TOWNSHIPS if t[0] != URBAN_TOWNSHIP])
        vi = rng.randrange(len(villages))
        content = rng.choice(_OPENINGS) + _fill(rng, template, villages[vi]) + rng.choice(_CLOSINGS)
        unit = catalogue_unit(code, t3)
        roll = rng.random()
        outcome = "closed" if roll < 0.78 else "replied" if roll < 0.84 else "handling" if roll < 0.94 else "dispatched"
        sat_roll = rng.random()
        satisfaction = "satisfied" if sat_roll < 0.72 else "basic" if sat_roll < 0.9 else "unsatisfied"
        channel = rng.choices(["phone", "mailbox", "sms", "web"], weights=[6, 2, 1, 1])[0]
        rows.append({
            "key": f"demo-ticket-{seed}-{i:04d}",
            "category": cat or default_cat,
            "channel": channel,
            "urgency": urgency,
            "matter_type": code,
            "title": _title(name, content),
            "content": content,
            "caller_name": rng.choice(_SURNAMES) + rng.choice(_GIVEN),
            "caller_phone": f"1{rng.choice('35789')}{rng.randrange(10**9):09d}",
            "division_code": village_code(t3, vi + 1, villages[vi]),
            "township_code": township_code(t3),
            "unit_code": unit,
            "assisting_codes": list(assist) if unit == county_unit else [],
            "days_ago": rng.randrange(1, 180) if outcome == "closed" else rng.randrange(0, 6),
            "outcome": outcome,
            "satisfaction": satisfaction,
            "reply": REPLY_TEXT[code],
            "publish_consent": rng.random() < 0.6,
        })
    return rows
