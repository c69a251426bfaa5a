"""The documentation holds together: a short README, links and anchors that resolve, a true code map."""

import re
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
README = REPO_ROOT / "README.md"
DOCS = sorted((REPO_ROOT / "docs").glob("*.md"))
MARKDOWN = [README, *DOCS, REPO_ROOT / "benchmarks" / "README.md", REPO_ROOT / "deploy" / "README.md",
            REPO_ROOT / "deploy" / "terraform" / "README.md"]

FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


def prose(path: Path) -> str:
    """The file's text without fenced blocks and code spans, where brackets and '#' are not markdown."""
    return CODE_SPAN.sub("", FENCE.sub("", path.read_text(encoding="utf-8")))


def slug(heading: str) -> str:
    """GitHub's anchor of a heading: lower-case, markup and punctuation dropped but '-' and '_', spaces to '-'."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).replace("`", "")
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Every anchor GitHub gives the file's headings; a repeated one gets -1, -2..."""
    seen: dict[str, int] = {}
    found = set()
    for heading in HEADING.findall(FENCE.sub("", path.read_text(encoding="utf-8"))):
        base = slug(heading)
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def relative_links(path: Path) -> list[str]:
    return [target for target in LINK.findall(prose(path)) if not re.match(r"[a-z][a-z0-9+.-]*:", target)]


def test_slug_follows_github():
    assert slug("2. Export the outputs as environment variables") == "2-export-the-outputs-as-environment-variables"
    assert slug("`bronze_breweries`") == "bronze_breweries"
    assert slug("Schedule, backfills and partitions") == "schedule-backfills-and-partitions"
    assert slug("Concurrency and backfills") == "concurrency-and-backfills"


def test_readme_is_short():
    assert README.stat().st_size < 9000


@pytest.mark.parametrize("path", MARKDOWN, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_every_relative_link_and_anchor_resolves(path):
    links = relative_links(path)
    broken = []
    for target in links:
        file_part, _, anchor = target.partition("#")
        resolved = (path.parent / file_part).resolve() if file_part else path
        if not resolved.exists():
            broken.append(f"{target}: no such file")
        elif anchor and (resolved.suffix != ".md" or anchor not in anchors(resolved)):
            broken.append(f"{target}: no heading with anchor #{anchor}")
    assert not broken, f"{path.relative_to(REPO_ROOT)}: {broken}"


def test_docs_are_linked_from_the_readme():
    linked = {(README.parent / target.partition("#")[0]).resolve() for target in relative_links(README)}
    assert {path.resolve() for path in DOCS} | {(REPO_ROOT / "benchmarks" / "README.md").resolve()} <= linked
    assert len(DOCS) >= 6


def code_map_paths() -> list[Path]:
    """The paths in the README's code map. In a row naming several, the later ones are relative to the
    first one's folder: `brewery_assets/lake.py`, `storage.py`."""
    section = README.read_text(encoding="utf-8").split("## Code map", 1)[1].split("\n## ", 1)[0]
    paths = []
    for row in re.findall(r"^\| *(`.+?) *\|", section, re.MULTILINE):
        first, *others = re.findall(r"`([^`]+)`", row)
        paths.append(REPO_ROOT / first)
        paths.extend(REPO_ROOT / Path(first).parent / other for other in others)
    return paths


def test_code_map_matches_the_tree():
    paths = code_map_paths()
    assert len(paths) > 20
    assert [str(p.relative_to(REPO_ROOT)) for p in paths if not p.exists()] == []
    package = REPO_ROOT / "brewery_assets"
    # Every module and subpackage of the package has a row.
    expected = {p for p in package.glob("*.py") if p.name != "__init__.py"}
    expected |= {p for p in package.iterdir() if (p / "__init__.py").exists()}
    assert sorted(str(p.relative_to(REPO_ROOT)) for p in expected - set(paths)) == []
