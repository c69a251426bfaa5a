"""Message helpers: truncation, escaping, links, metadata figures."""

import dagster as dg

from brewery_assets.alerts.messages import (
    CheckFailure,
    asset_checks_url,
    check_failures_text,
    escape,
    first_lines,
    metadata_figures,
)


def test_first_lines_cuts_lines_and_characters():
    assert first_lines("a\n\nb\nc\nd\ne\n") == "a\nb\nc\nd\n..."
    assert first_lines("x" * 700) == "x" * 600 + "\n..."
    assert first_lines("one line\n") == "one line"


def test_escape_neutralises_links_and_mentions():
    assert escape("<!channel> & <http://x|y>") == "&lt;!channel&gt; &amp; &lt;http://x|y&gt;"


def test_checks_url_encodes_key_parts_and_check_name():
    url = asset_checks_url("http://ui", dg.AssetKey(["lake", "silver breweries"]), "null ids")
    assert url == "http://ui/assets/lake/silver%20breweries?view=checks&checkDetail=null+ids"


def test_metadata_figures_keep_short_values_and_skip_markdown_json_and_long_text():
    metadata = {
        "rows": dg.MetadataValue.int(3),
        "rate": dg.MetadataValue.float(0.1234567),
        "ok": dg.MetadataValue.bool(False),
        "preview": dg.MetadataValue.md("| a |\n|---|"),
        "detail": dg.MetadataValue.json({"a": 1}),
        "note": dg.MetadataValue.text("short note"),
        "multi": dg.MetadataValue.text("line one\nline two"),
        "long": dg.MetadataValue.text("y" * 100),
    }
    assert metadata_figures(metadata) == [
        ("rows", "3"), ("rate", "0.123457"), ("ok", "False"), ("note", "short note"), ("long", "y" * 77 + "..."),
    ]


def test_single_batch_has_no_message_numbering():
    failure = CheckFailure(
        run_id="r1", asset_key=dg.AssetKey("gold"), check_name="reconciles",
        severity=dg.AssetCheckSeverity.ERROR,
    )
    assert check_failures_text([failure], "http://ui") == (
        ":warning: *1 asset check failed* (ERROR: 1)\n"
        "- *ERROR* `gold`: check `reconciles` "
        "(<http://ui/assets/gold?view=checks&checkDetail=reconciles|check> | <http://ui/runs/r1|run>)"
    )
