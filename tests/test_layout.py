"""The README's layout section is a picture of the code any reviewer can check: every module of an
app (and of minping/lib/) has its line, and every line names a file or folder that exists."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APPS = ("minping", "minping/lib", "accounts", "surveys", "scoring", "publicity", "rectification", "staff", "jobs")
ENTRY = re.compile(r"^(?P<indent> *)(?P<name>[\w.\-]+/?)(?:\s{2,}.*)?$")


def layout_paths(readme: str) -> list[str]:
    """The paths the README's layout tree names, in order: folders end with '/', children are
    indented two spaces under their folder."""
    section = readme.split("\n## Layout\n", 1)[1]
    tree = section.split("```\n", 2)[1]
    parents: list[str] = []
    paths = []
    for line in tree.splitlines():
        match = ENTRY.match(line)
        assert match, f"not a layout line (name, then two spaces and what it is): {line!r}"
        depth = len(match["indent"]) // 2
        assert len(match["indent"]) % 2 == 0 and depth <= len(parents), f"misplaced indentation: {line!r}"
        del parents[depth:]
        path = "".join(parents) + match["name"]
        paths.append(path)
        if path.endswith("/"):
            parents.append(match["name"])
    return paths


def app_modules() -> set[str]:
    """Each app's modules and subpackages (one level), as the layout names them."""
    found = set()
    for app in APPS:
        for entry in (ROOT / app).iterdir():
            if entry.suffix == ".py" and entry.name != "__init__.py":
                found.add(f"{app}/{entry.name}")
            elif entry.is_dir() and (entry / "__init__.py").exists():
                found.add(f"{app}/{entry.name}/")
    return found


def test_every_line_names_something_that_exists():
    missing = [p for p in layout_paths((ROOT / "README.md").read_text()) if not (ROOT / p).exists()]
    assert not missing, f"the README's layout names what does not exist: {missing}"


def test_every_module_of_every_app_is_in_the_layout():
    listed = set(layout_paths((ROOT / "README.md").read_text()))
    unlisted = sorted(app_modules() - listed)
    assert not unlisted, f"add a line to the README's layout for: {unlisted}"


def test_the_parser_reads_nesting_and_would_see_an_unlisted_module():
    """Control: the checks above can fail — a tree without a module is caught, a stray name too."""
    tree = "## Layout\n\n```\nminping/   site\n  lib/     shared\n    bulk.py  rows\nsurveys/   collect\n```\n"
    assert layout_paths("\n" + tree) == ["minping/", "minping/lib/", "minping/lib/bulk.py", "surveys/"]
    assert "surveys/models.py" in app_modules() - set(layout_paths("\n" + tree))
