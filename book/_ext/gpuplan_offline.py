"""Sphinx extension local to this book: keep published pages free of console errors.

sphinx-thebe (loaded by every jupyter-book 1 build, even with ``launch_buttons.thebe: false``) registers its
inline configuration script on each ``env-before-read-docs`` event, so a page can carry it twice and the
browser reports ``Identifier 'THEBE_JS_URL' has already been declared`` (../shared/TOOLCHAIN.md): Sphinx 7.4
keeps the builder's copy (filename None) and re-adds the registry's (filename ""). This drops repeated scripts
(same file, same inline body) from every page.
"""


def _dedupe_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        key = (str(getattr(script, "filename", script) or ""),  # Sphinx re-adds inline scripts as None and ""
               tuple(sorted(getattr(script, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app):
    app.connect("html-page-context", _dedupe_scripts, priority=1000)  # after every extension added its own
    return {"parallel_read_safe": True, "parallel_write_safe": True}
