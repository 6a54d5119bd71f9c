"""Pinyin keys for name search (张三 -> "zhangsan zs").

pypinyin reads some characters by their most common sound, which is wrong in names and place names:
长 in 长沟 is "chang", 曾 as a surname is "zeng". The overrides below are loaded once, at import."""

import re

from pypinyin import Style, lazy_pinyin, load_phrases_dict

# Place names met in the seed communities and common ones where pypinyin's default reading is wrong.
PLACE_PHRASES = {
    "长沟": [["cháng"], ["gōu"]],
    "长沟新村": [["cháng"], ["gōu"], ["xīn"], ["cūn"]],
    "南关": [["nán"], ["guān"]],
    "阆中": [["láng"], ["zhōng"]],
    "官堰": [["guān"], ["yàn"]],
    "长安": [["cháng"], ["ān"]],
}
load_phrases_dict(PLACE_PHRASES)

# Surnames whose reading differs from the character's most common one.
SURNAMES = {
    "曾": "zeng", "单": "shan", "解": "xie", "区": "ou", "仇": "qiu", "朴": "piao", "查": "zha",
    "乐": "yue", "覃": "qin", "缪": "miao", "尉": "yu", "长": "chang", "盖": "ge", "员": "yun",
    "藏": "zang", "翟": "zhai", "召": "shao", "秘": "bi", "种": "chong", "繁": "po", "万俟": "moqi",
    "尉迟": "yuchi", "澹台": "tantai", "单于": "chanyu",
}
_NON_LETTERS = re.compile(r"[^a-z]")


def _syllables(name: str) -> list[str]:
    name = (name or "").strip()
    for surname in sorted(SURNAMES, key=len, reverse=True):
        if name.startswith(surname) and len(name) > len(surname):
            head = [SURNAMES[surname]]
            rest = lazy_pinyin(name[len(surname):], style=Style.NORMAL, errors="ignore")
            return head + rest
    return lazy_pinyin(name, style=Style.NORMAL, errors="ignore")


def name_pinyin(name: str) -> str:
    """Full pinyin and initials, lower case, separated by a space: searchable with `contains`."""
    syl = [_NON_LETTERS.sub("", s.lower()) for s in _syllables(name)]
    syl = [s for s in syl if s]
    if not syl:
        return ""
    full = "".join(syl)
    initials = "".join(s[0] for s in syl)
    return f"{full} {initials}"[:200]


def is_pinyin_query(q: str) -> bool:
    return bool(q) and q.isascii() and q.replace(" ", "").isalpha()


def pinyin_query(q: str) -> str:
    return q.lower().replace(" ", "")
