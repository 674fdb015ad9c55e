"""The built book: strict build, no external scripts, charts and sliders rendered offline in Chromium, editions.

The module fixture builds the default edition with ``gpuplan.book.build()`` (into the repository's _build/, as
``make book`` does: on a fresh clone it executes every notebook; afterwards a no-change rebuild takes seconds).
The vendored scripts come from ``make vendor`` (npm registry), run here if they are missing.

Browser check: headless Chromium (flags from ../shared/TOOLCHAIN.md; every host but localhost resolves to
nothing) opens every notebook page and narrative page over a localhost http.server. The server injects a probe
script into <head> that records console.error calls, uncaught errors, unhandled rejections and failed resource
loads, then reports for every chart container (``altair-viz-*``) whether Vega drew its marks (``svg.marks`` or ``canvas.marks``)
and, for every slider, whether it starts on its grid inside its range (the value Vega shows equals the input's,
which the browser snaps to min/max/step) and whether moving it to its other end redraws its chart (then it is
put back); every table cell that reads <NA>, NaN, None or a raw boolean; and the code cell inputs
a reader sees before the page's first section heading (set-up cells are collapsed: there must be none). On the
method page, that MathJax (vendored too) typeset the formulas. The raw-cell and set-up checks also run on the
static HTML, without a browser. Without chromium the test is skipped — never when CI=true.
"""

from __future__ import annotations

import functools
import html
import http.server
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

import pytest

from gpuplan import book

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "_build" / "html"

PROBE = """<script>
(function () {
  var errors = [];
  var consoleError = console.error;
  console.error = function () {
    errors.push("console.error: " + Array.prototype.map.call(arguments, String).join(" "));
    return consoleError.apply(console, arguments);
  };
  window.addEventListener("error", function (e) {
    var t = e.target;
    if (t && t !== window && (t.src || t.href)) { errors.push("failed to load " + (t.src || t.href)); }
    else { errors.push("uncaught " + e.message + " at " + e.filename + ":" + e.lineno); }
  }, true);
  window.addEventListener("unhandledrejection", function (e) { errors.push("unhandled rejection: " + e.reason); });
  var RAW = ["<NA>", "NaN", "nan", "None", "NaT", "True", "False"];
  function marks(el) { return el.querySelector("svg.marks, canvas.marks"); }
  function picture(el) {
    var m = marks(el);
    return !m ? "" : (m.tagName === "CANVAS" ? m.toDataURL() : m.innerHTML);
  }
  function visible(el) {  // inside a closed <details> (a collapsed hide-input cell) is not visible
    if (el.closest("details:not([open])")) { return false; }
    return el.checkVisibility ? el.checkVisibility({visibilityProperty: true}) : el.getClientRects().length > 0;
  }
  function rawCells() {  // table cells a reader sees as <NA>, NaN, None or a raw boolean
    var found = [];
    document.querySelectorAll("td, th").forEach(function (c) {
      var text = c.textContent.trim();
      if (RAW.indexOf(text) >= 0 || c.querySelector("na")) {
        var table = c.closest("table");
        found.push((text || "<NA>") + " in table " + ((table && table.id) || "?"));
      }
    });
    return found;
  }
  function setupCode() {  // code cell inputs a reader sees before the page's first section heading
    var article = document.querySelector("article.bd-article") || document.body;
    var h2 = article.querySelector("h2");
    var shown = Array.prototype.filter.call(article.querySelectorAll(".cell_input"), function (el) {
      return (!h2 || (el.compareDocumentPosition(h2) & Node.DOCUMENT_POSITION_FOLLOWING)) && visible(el);
    });
    return {first_h2: h2 ? h2.textContent.trim() : null,
            code: shown.map(function (el) { return el.textContent.trim().slice(0, 80); })};
  }
  function fire(input, value) {
    input.value = value;
    input.dispatchEvent(new Event("input", {bubbles: true}));
    input.dispatchEvent(new Event("change", {bubbles: true}));
  }
  window.addEventListener("load", function () {
    setTimeout(function () {
      var tasks = [];
      var charts = Array.prototype.map.call(document.querySelectorAll("[id^='altair-viz-']"), function (el) {
        var inputs = el.querySelectorAll("input[type=range]");
        var chart = {id: el.id, rendered: !!marks(el), sliders: []};
        inputs.forEach(function (input) { tasks.push({chart: chart, el: el, input: input}); });
        return chart;
      });
      function finish() {
        var pre = document.createElement("pre");
        pre.id = "gpuplan-probe";
        var math = document.querySelectorAll("mjx-container").length;  // MathJax typeset (vendored, offline)
        pre.textContent = JSON.stringify({errors: errors, charts: charts, math: math, raw_cells: rawCells(),
                                          setup: setupCode()});
        document.body.appendChild(pre);
      }
      function next(i) {  // move each slider to its other end, see whether its chart redrew, put it back
        if (i >= tasks.length) { finish(); return; }
        try {
          var t = tasks[i], before = picture(t.el), start = t.input.value;
          var moved = (start === t.input.max) ? t.input.min : t.input.max;
          var label = t.input.closest("label") || t.input.parentNode;
          var title = label.querySelector(".vega-bind-name");
          var name = (title ? title.textContent : label.textContent).trim() || ("slider " + i);
          // Vega shows the param's own value in the span after the input; the browser snaps the input to its
          // min/max/step grid, so the two differ when the chart starts off the slider's grid or outside its range
          var shown = t.input.nextElementSibling;
          var shownText = shown ? shown.textContent : null;
          var onGrid = shownText === null || Math.abs(+shownText - +start) < 1e-9;
          fire(t.input, moved);
        } catch (err) { errors.push("probe: slider " + i + ": " + err); next(i + 1); return; }
        setTimeout(function () {
          try {
            t.chart.sliders.push({name: name, from: start, to: moved, redraws: picture(t.el) !== before,
                                  on_grid: onGrid, param_value: shownText});
            fire(t.input, start);
          } catch (err) { errors.push("probe: slider " + i + ": " + err); }
          setTimeout(function () { next(i + 1); }, 300);
        }, 700);
      }
      try { next(0); } catch (err) { errors.push("probe: " + err); finish(); }
    }, 2500);
  });
})();
</script>"""


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


@pytest.fixture(scope="module")
def built_book() -> Path:
    if any(not (book.VENDOR_DIR / name).exists() for name in book.VENDOR_FILES):
        subprocess.run(["make", "-s", "vendor"], cwd=ROOT, check=True)
    html_dir = book.build(quiet=True)
    assert html_dir == HTML
    return html_dir


def _pages(html_dir: Path) -> list[Path]:
    """Every page of the book: the notebook pages (notebooks/ and book/*.ipynb) and the narrative pages."""
    pages = sorted(html_dir.glob("notebooks/*.html")) + sorted(html_dir.glob("book/*.html"))
    stems = {page.stem for page in pages}
    assert all(path.stem in stems for path in book.notebooks())
    return pages


def test_every_notebook_has_a_page(built_book):
    for path in book.notebooks():
        folder = "book" if path.parent == book.BOOK_DIR else "notebooks"
        assert (built_book / folder / f"{path.stem}.html").exists(), path.name
    assert (built_book / "index.html").exists()


def test_no_external_scripts_or_stylesheets(built_book):
    external = re.compile(r"""<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)=["'](?:https?:)?//""", re.I)
    offenders = []
    for page in built_book.rglob("*.html"):
        for match in external.finditer(page.read_text(encoding="utf-8")):
            tag = match.group(0)
            if tag.lower().startswith("<link") and "stylesheet" not in tag.lower() and "preload" not in tag.lower():
                continue  # rel=canonical / prev / next are links, not loads
            offenders.append(f"{page.relative_to(built_book)}: {tag}")
    assert offenders == []


def test_vendored_vega_lite_matches_altair(built_book):
    import altair

    vega_lite = (built_book / "_static" / "vendor" / "vega-lite.min.js").read_text(encoding="utf-8")
    assert f'"{altair.VEGALITE_VERSION}"' in vega_lite or f"'{altair.VEGALITE_VERSION}'" in vega_lite
    # the npm tarballs `make vendor` fetched: the majors Altair's loader asks for
    packed = (book.VENDOR_DIR / "VERSIONS").read_text(encoding="utf-8").split()
    assert f"vega-lite-{altair.VEGALITE_VERSION}.tgz" in packed
    assert any(re.fullmatch(rf"vega-{altair.VEGA_VERSION}\.\d+\.\d+\.tgz", name) for name in packed)
    assert any(re.fullmatch(rf"vega-embed-{altair.VEGAEMBED_VERSION}\.\d+\.\d+\.tgz", name) for name in packed)
    preloaded = (built_book / "_static" / "vendor" / "altair-preloaded.js").read_text(encoding="utf-8")
    assert f'vegalite_version: "{altair.VEGALITE_VERSION}"' in preloaded


def test_intro_shows_the_default_edition(built_book):
    intro = (built_book / "book" / "intro.html").read_text(encoding="utf-8")
    assert "default edition" in intro


def test_no_change_rebuild_executes_nothing(built_book, monkeypatch):
    calls = []
    monkeypatch.setattr(book, "execute", lambda *args, **kwargs: calls.append(args))
    assert book.build(quiet=True) == built_book
    assert calls == []


RAW_CELL = re.compile(r"<t[dh][^>]*>\s*(&lt;NA&gt;|<NA>|NaN|nan|None|NaT|True|False)\s*</t[dh]>")


def test_no_table_cell_shows_a_raw_missing_value_or_boolean(built_book):
    """Every table of every page (notebook outputs and the data appendix): "—" for missing values, yes/no for
    booleans — never pandas' <NA>, NaN, None or True/False."""
    offenders = []
    for page in _pages(built_book):
        text = page.read_text(encoding="utf-8")
        offenders += [f"{page.relative_to(built_book)}: {m.group(1)}" for m in RAW_CELL.finditer(text)]
    assert offenders == []


def test_notebook_pages_open_with_prose(built_book):
    """Before a notebook page's first section heading the only code is in collapsed set-up cells (tagged
    hide-input: myst-nb puts their input in a closed <details>), so the reader sees the title and prose first."""
    offenders = []
    for page in _pages(built_book):
        if page.stem not in {path.stem for path in book.notebooks()}:
            continue
        text = page.read_text(encoding="utf-8")
        article = text[text.find('<article class="bd-article"'):]
        head = article[:article.find("<h2")] if "<h2" in article else article
        head = re.sub(r"<details\b.*?</details>", "", head, flags=re.S)  # collapsed (hide-input) cells
        if "<h2" not in article:
            offenders.append(f"{page.relative_to(built_book)}: no section heading")
        if 'class="cell_input' in head:
            offenders.append(f"{page.relative_to(built_book)}: code shown before the first section")
    assert offenders == []


class _ProbeHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the built book and injects PROBE into every HTML page (the published files are not changed)."""

    def log_message(self, *args):
        pass

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if path.suffix != ".html" or not path.is_file():
            return super().send_head()
        body = path.read_text(encoding="utf-8").replace("<head>", "<head>" + PROBE, 1).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        import io

        return io.BytesIO(body)


def _probe(chromium: str, url: str) -> dict:
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost",
             "--virtual-time-budget=90000", "--dump-dom", url],
            capture_output=True, text=True, timeout=300)
    found = re.search(r'<pre id="gpuplan-probe"[^>]*>(.*?)</pre>', result.stdout, re.S)  # the theme adds tabindex
    assert found, f"{url}: the probe did not report (chromium exit {result.returncode})"
    return json.loads(html.unescape(found.group(1)))


def test_charts_render_offline_with_a_clean_console(built_book):
    chromium = _chromium()
    if chromium is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed but CI=true: .ci/run installs it (apt-get install chromium)")
        pytest.skip("chromium is not installed (apt-get install chromium); the browser test needs it")
    handler = functools.partial(_ProbeHandler, directory=str(built_book))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    problems, charts_seen, sliders_seen = [], 0, 0
    notebook_pages = {path.stem for path in book.notebooks()}
    try:
        for page in _pages(built_book):
            rel = page.relative_to(built_book).as_posix()
            report = _probe(chromium, f"http://localhost:{server.server_address[1]}/{rel}")
            problems += [f"{rel}: {error}" for error in report["errors"]]
            problems += [f"{rel}: a table cell shows {cell}" for cell in report["raw_cells"]]
            if page.stem in notebook_pages:  # an analysis opens with prose, not with its set-up code
                if report["setup"]["first_h2"] is None:
                    problems.append(f"{rel}: no section heading (h2)")
                problems += [f"{rel}: code shown before the first section: {code!r}" for code in report["setup"]["code"]]
            if rel == "book/method.html" and not report["math"]:
                problems.append("book/method.html: MathJax typeset no formula")
            for chart in report["charts"]:
                charts_seen += 1
                if not chart["rendered"]:
                    problems.append(f"{rel}: chart {chart['id']} did not render")
                for moved in chart["sliders"]:
                    sliders_seen += 1
                    if not moved["on_grid"]:
                        problems.append(f"{rel}: slider {moved['name']!r} of {chart['id']} starts at {moved['param_value']}"
                                        f", off its grid or range (the input shows {moved['from']})")
                    if not moved["redraws"]:
                        problems.append(f"{rel}: moving slider {moved['name']!r} of {chart['id']} from {moved['from']} "
                                        f"to {moved['to']} did not redraw it")
    finally:
        server.shutdown()
    assert problems == []
    assert charts_seen > 0 and sliders_seen > 0  # the book has charts and interactive sliders


def test_personal_edition_from_the_example_file(built_book, tmp_path, monkeypatch):
    """The example edition builds into its own folder, shows its parameters and leaves notebooks/ alone."""
    written = []
    execute = book.execute

    def spy(path, output, params, key=None):
        written.append(Path(output))
        return execute(path, output, params, key)

    monkeypatch.setattr(book, "execute", spy)
    html_dir = book.build(ROOT / "scenarios" / "my_prices.yaml", out=tmp_path, quiet=True)
    assert html_dir == tmp_path / "_build" / "html"
    assert len(written) == len(book.notebooks())  # every notebook ran for this edition ...
    assert all(tmp_path in output.parents for output in written)  # ... into the edition's folder only
    intro = (html_dir / "book" / "intro.html").read_text(encoding="utf-8")
    assert "personal edition" in intro and "my_prices.yaml" in intro
    assert "a100_usd_per_hour" in intro and "1.6" in intro and "h100_usd_per_hour" in intro
    assert (html_dir / "notebooks" / "03_cost_per_task.html").exists()
    # the edition's notebooks ran with its parameters (papermill's injected cell carries them)
    executed = json.loads((tmp_path / "_build" / "src" / "notebooks" / "03_cost_per_task.ipynb").read_text())
    injected = [c for c in executed["cells"] if "injected-parameters" in c["metadata"].get("tags", [])]
    assert injected and "a100_usd_per_hour = 1.6" in "".join(injected[0]["source"])
