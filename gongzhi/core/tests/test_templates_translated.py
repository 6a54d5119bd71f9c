"""Every Chinese string in a template goes through the translation machinery: text outside
{% translate %} / {% blocktranslate %} fails here, as does Chinese inside other tags or variables
(`{{ x|default:_("长期") }}` is translated and allowed)."""

import re
from pathlib import Path

from django.template.base import DebugLexer, TokenType

HAN = re.compile(r"[\u4e00-\u9fff]")
TRANSLATED_LITERAL = re.compile(r'_\("[^"]*"\)|_\(\'[^\']*\'\)')
ROOT = Path(__file__).resolve().parents[2]


def untranslated(source: str) -> list[str]:
    found = []
    in_blocktranslate = in_comment = False
    for t in DebugLexer(source).tokenize():
        if t.token_type == TokenType.COMMENT:
            continue
        if t.token_type == TokenType.BLOCK:
            name = t.contents.split()[0] if t.contents else ""
            if name in ("blocktranslate", "blocktrans"):
                in_blocktranslate = True
            elif name in ("endblocktranslate", "endblocktrans"):
                in_blocktranslate = False
            elif name == "comment":
                in_comment = True
            elif name == "endcomment":
                in_comment = False
            elif name not in ("translate", "trans") and not in_blocktranslate \
                    and HAN.search(TRANSLATED_LITERAL.sub("", t.contents)):
                found.append("{% " + t.contents + " %}")
            continue
        if in_blocktranslate or in_comment:
            continue
        text = TRANSLATED_LITERAL.sub("", t.contents) if t.token_type == TokenType.VAR else t.contents
        if HAN.search(text):
            found.append(text.strip()[:60])
    return found


def test_no_chinese_outside_translation_tags():
    problems = []
    for path in sorted(ROOT.glob("*/templates/**/*.html")):
        for text in untranslated(path.read_text(encoding="utf-8")):
            problems.append(f"{path.relative_to(ROOT)}: {text}")
    assert not problems, "Chinese text outside {% translate %}:\n" + "\n".join(problems)


def test_the_check_finds_bare_text_and_literals():
    assert untranslated("<p>你好</p>") == ["<p>你好</p>"]
    assert untranslated('{{ x|default:"无" }}') != []
    assert untranslated('{% if s == "待办" %}{% endif %}') != []
    assert untranslated('{% translate "你好" %}{% blocktranslate %}第{{ n }}页{% endblocktranslate %}'
                        '{{ x|default:_("长期") }}{# 注释 #}') == []
