"""Server-side SVG charts: labelled for screen readers, escaped, and sensible with no data."""
import re
import xml.etree.ElementTree as ET

from web.charts import bar_chart, heatmap, line_chart

SVG = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)  # well-formed XML, or this raises
    assert root.get("role") == "img"
    ids = root.get("aria-labelledby").split()
    assert [e.get("id") for e in root.iter() if e.get("id")][:2] == ids
    return root


def test_line_chart_describes_its_data():
    svg = line_chart("t", "Mean scores", ["1 Jan", "2 Jan", "3 Jan"], {"Quality": [50.0, None, 70.0], "<b>": [1, 2, 3]})
    root = _parse(svg)
    desc = root.find(f"{SVG}desc").text
    assert "3 points from 1 Jan to 3 Jan" in desc and "Quality: 50.0, no data, 70.0." in desc
    assert len(root.findall(f"{SVG}polyline")) == 2
    assert len(root.findall(f"{SVG}circle")) == 5  # the missing point is not drawn
    assert "<b>" not in svg and "&lt;b&gt;" in svg


def test_line_chart_without_snapshots():
    root = _parse(line_chart("t", "Mean scores", [], {"Quality": []}))
    assert root.find(f"{SVG}desc").text == "No data yet." and "No snapshots yet" in ET.tostring(root, "unicode")


def test_bar_chart_values_and_zero_height():
    root = _parse(bar_chart("b", "Records", ["0–50", "50–100"], [0, 4]))
    heights = [float(r.get("height")) for r in root.findall(f"{SVG}rect")]
    assert heights[0] == 0 and heights[1] > 0
    assert root.find(f"{SVG}desc").text == "0–50: 0; 50–100: 4"
    _parse(bar_chart("b", "Records", [], []))  # no bins: still a valid chart


def test_heatmap_cells_show_numbers_and_escape_names():
    svg = heatmap("h", "Fill", ["Dept <One>", "Two"], ["summary", "keyword"], [[100.0, None], [0.0, 49.6]])
    root = _parse(svg)
    cells = [t.text for t in root.iter(f"{SVG}text") if t.get("text-anchor") == "middle"]
    assert cells == ["100", "–", "0", "50"]  # every cell carries its figure, not just a colour
    assert "Dept &lt;One&gt;" in svg
    assert re.search(r"<title>Two, keyword: 49.6%</title>", svg)
