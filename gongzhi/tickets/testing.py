"""Helpers for tests and demo data: the default category catalogue and a quick ticket maker."""

from django.utils import timezone

from .models import Category, HandlingLevel

H = HandlingLevel
# code, name, group, response h, resolve h, working days, default level, keywords
CATALOGUE = [
    ("sanitation", "环境卫生", "环境", 24, 72, False, H.BUILDING, "垃圾 卫生 清扫 楼道"),
    ("parking", "停车秩序", "秩序", 24, 120, False, H.COMPOUND, "停车 车位 占道"),
    ("repair", "公共设施维修", "设施", 24, 120, True, H.GRID, "路灯 维修 门禁 电梯"),
    ("leak", "漏水渗水", "设施", 4, 48, False, H.BUILDING, "漏水 渗水 水管"),
    ("hazard", "安全隐患", "安全", 2, 24, False, H.GRID, "隐患 坠落 消防 电线"),
    ("dispute", "邻里纠纷", "调解", 24, 168, True, H.GRID, "纠纷 噪音 调解"),
    ("elderly", "养老助老", "服务", 24, 120, True, H.COMMUNITY, "老人 助餐 养老"),
    ("policy", "政策咨询", "服务", 24, 72, True, H.COMMUNITY, "政策 咨询 办事"),
    ("road", "道路交通", "市政", 24, 240, True, H.DEPARTMENT, "道路 井盖 交通"),
    ("opinion", "意见建议", "其他", 48, 240, True, H.COMMUNITY, "建议 意见"),
]
LEAK_ATTRIBUTES = [
    {"code": "floor", "datatype": "number", "required": False, "description": "楼层"},
    {"code": "severity", "datatype": "singlevaluelist", "required": True, "description": "严重程度",
     "values": [{"key": "low", "name": "轻微"}, {"key": "high", "name": "严重"}]},
]


def ensure_catalogue() -> dict[str, Category]:
    out = {}
    for i, (code, name, group, rh, sh, wd, level, kw) in enumerate(CATALOGUE):
        out[code], _created = Category.objects.get_or_create(code=code, defaults={
            "name": name, "group": group, "response_hours": rh, "resolve_hours": sh, "working_days": wd,
            "default_level": level, "keywords": kw, "sort": i,
            "attributes": LEAK_ATTRIBUTES if code == "leak" else []})
    return out


def now():
    return timezone.now()
