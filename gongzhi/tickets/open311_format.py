"""Open311 GeoReport v2 output: JSON or XML from the same Python structures, ISO 8601 dates with
the time zone, and the spec's error lists."""

import datetime
import re
from xml.etree import ElementTree as ET

import orjson
from django.http import HttpResponse
from django.utils import timezone

# Element name for the items of each list, by the list's own element name.
ITEM_NAMES = {"services": "service", "service_requests": "request", "attributes": "attribute", "values": "value",
              "errors": "error", "endpoints": "endpoint", "formats": "format"}


# Characters XML 1.0 cannot carry at all (C0 controls but tab/LF/CR, lone surrogates, U+FFFE/U+FFFF).
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: str) -> str:
    return XML_ILLEGAL.sub("", value)


def iso(dt: datetime.datetime | None) -> str | None:
    return timezone.localtime(dt).isoformat(timespec="seconds") if dt else None


def _xml(parent: ET.Element, name: str, value) -> None:
    el = ET.SubElement(parent, name)
    if isinstance(value, dict):
        for k, v in value.items():
            _xml(el, k, v)
    elif isinstance(value, list):
        for v in value:
            _xml(el, ITEM_NAMES.get(name, "item"), v)
    elif value is None:
        pass
    elif isinstance(value, bool):
        el.text = "true" if value else "false"
    else:
        el.text = xml_text(str(value))


def render(data, fmt: str, *, root: str, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        top = ET.Element(root)
        items = data if isinstance(data, list) else None
        if items is None:
            for k, v in data.items():
                _xml(top, k, v)
        else:
            for v in items:
                _xml(top, ITEM_NAMES.get(root, "item"), v)
        body = b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(top, encoding="utf-8", xml_declaration=False)
        return HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")
    return HttpResponse(orjson.dumps(data), status=status, content_type="application/json; charset=utf-8")


def error(fmt: str, status: int, description: str) -> HttpResponse:
    return render([{"code": status, "description": description}], fmt, root="errors", status=status)
