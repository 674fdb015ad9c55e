"""Sphinx extension local to this book: keep published pages offline and free of console errors.

sphinx-thebe is loaded by every jupyter-book 1 build, even with ``launch_buttons.thebe: false``. It registers
its inline configuration script (``const THEBE_JS_URL = "https://unpkg.com/..."``) on each
``env-before-read-docs`` event, and Sphinx 7.4 keeps the builder's copy (filename None) and re-adds the
registry's (filename ""), so a page carries it twice and the browser reports ``Identifier 'THEBE_JS_URL' has
already been declared`` (../shared/TOOLCHAIN.md). This drops repeated scripts (same file, same inline body)
from every page and, when thebe is off (as in _config.yml), sphinx-thebe's scripts altogether: nothing on the
page can start thebe, and no CDN address is left in it.
"""


def _thebe_script(script) -> bool:
    filename = str(getattr(script, "filename", "") or "")
    body = getattr(script, "attributes", {}).get("body", "")
    return filename.rsplit("/", 1)[-1].startswith("sphinx-thebe") or "THEBE_JS_URL" in body


def _clean_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    thebe_on = app.config.html_theme_options.get("launch_buttons", {}).get("thebe", False)
    seen, kept = set(), []
    for script in scripts:
        key = (str(getattr(script, "filename", script) or ""),  # Sphinx re-adds inline scripts as None and ""
               tuple(sorted(getattr(script, "attributes", {}).items())))
        if key in seen or (not thebe_on and _thebe_script(script)):
            continue
        seen.add(key)
        kept.append(script)
    context["script_files"] = kept


def setup(app):
    app.connect("html-page-context", _clean_scripts, priority=1000)  # after every extension added its own
    return {"parallel_read_safe": True, "parallel_write_safe": True}
