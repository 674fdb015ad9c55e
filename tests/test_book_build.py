"""The built book: strict build, no external scripts, charts and sliders rendered offline in Chromium, editions.

The module fixture builds the default edition with ``gpuplan.book.build()`` (into the repository's _build/, as
``make book`` does: on a fresh clone it executes every notebook; afterwards a no-change rebuild takes seconds).
The vendored scripts come from ``make vendor`` (npm registry), run here if they are missing.

Browser check: headless Chromium (flags from ../shared/TOOLCHAIN.md; every host but localhost resolves to
nothing) opens every notebook page and narrative page over a localhost http.server. The server injects a probe script into <head> that
records console.error calls, uncaught errors, unhandled rejections and failed resource loads, then reports
for every chart container (``altair-viz-*``) whether Vega drew its marks (``svg.marks`` or ``canvas.marks``)
and whether moving its first slider redraws it; on the method page, that MathJax (vendored too) typeset the
formulas. Without chromium the test is skipped — never when CI=true.
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
  function marks(el) { return el.querySelector("svg.marks, canvas.marks"); }
  function picture(el) {
    var m = marks(el);
    return !m ? "" : (m.tagName === "CANVAS" ? m.toDataURL() : m.innerHTML);
  }
  window.addEventListener("load", function () {
    setTimeout(function () {
      var charts = Array.prototype.map.call(document.querySelectorAll("[id^='altair-viz-']"), function (el) {
        var slider = el.querySelector("input[type=range]");
        var chart = {id: el.id, rendered: !!marks(el), sliders: el.querySelectorAll("input[type=range]").length};
        if (slider) {
          chart.before = picture(el);
          slider.value = (slider.value === slider.max) ? slider.min : slider.max;
          slider.dispatchEvent(new Event("input", {bubbles: true}));
        }
        chart.el = el;
        return chart;
      });
      setTimeout(function () {
        charts.forEach(function (c) {
          if (c.sliders) { c.slider_redraws = picture(c.el) !== c.before; }
          delete c.before; delete c.el;
        });
        var pre = document.createElement("pre");
        pre.id = "gpuplan-probe";
        var math = document.querySelectorAll("mjx-container").length;  // MathJax typeset (vendored, offline)
        pre.textContent = JSON.stringify({errors: errors, charts: charts, math: math});
        document.body.appendChild(pre);
      }, 1500);
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
             "--virtual-time-budget=10000", "--dump-dom", url],
            capture_output=True, text=True, timeout=120)
    found = re.search(r'<pre id="gpuplan-probe">(.*?)</pre>', result.stdout, re.S)
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
    try:
        for page in _pages(built_book):
            rel = page.relative_to(built_book).as_posix()
            report = _probe(chromium, f"http://localhost:{server.server_address[1]}/{rel}")
            problems += [f"{rel}: {error}" for error in report["errors"]]
            if rel == "book/method.html" and not report["math"]:
                problems.append("book/method.html: MathJax typeset no formula")
            for chart in report["charts"]:
                charts_seen += 1
                if not chart["rendered"]:
                    problems.append(f"{rel}: chart {chart['id']} did not render")
                if chart["sliders"]:
                    sliders_seen += 1
                    if not chart["slider_redraws"]:
                        problems.append(f"{rel}: moving a slider of {chart['id']} did not redraw it")
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
