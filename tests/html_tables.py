"""Tables and charts of an HTML page, read with the standard library (as a reader sees them)."""
import base64
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

SVG_IMAGE = re.compile(r'<img src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)" alt="([^"]+)"')


class _Tables(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tables: list[dict] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.tables.append({"class": attrs.get("class") or "", "caption": "", "rows": [],
                                "attrs": attrs, "row_attrs": []})
        elif tag == "caption" and self.tables:
            self._cell = []
        elif tag == "tr" and self.tables:
            self.tables[-1]["rows"].append([])
            self.tables[-1]["row_attrs"].append(attrs)
        elif tag in ("td", "th") and self.tables:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "caption" and self._cell is not None:
            self.tables[-1]["caption"] = " ".join("".join(self._cell).split())
            self._cell = None
        elif tag in ("td", "th") and self._cell is not None:
            self.tables[-1]["rows"][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def html_tables(html: str, css_class: str = "") -> list[dict]:
    """Each table (optionally only those whose class contains `css_class`): its caption, its rows as
    lists of cell texts (the header row first), and each row's attributes."""
    parser = _Tables()
    parser.feed(html)
    return [t for t in parser.tables if css_class in t["class"].split()]


def html_svg_images(html: str) -> list[ET.Element]:
    """The server-drawn charts shown as SVG images (each with its alt text), parsed."""
    return [ET.fromstring(base64.b64decode(data)) for data, _alt in SVG_IMAGE.findall(html)]
