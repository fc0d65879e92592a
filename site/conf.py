"""Sphinx configuration of the course website (``make site``).

Sphinx runs with this folder as its configuration directory and a staging source tree that
``site/build.py`` writes under ``build/`` (see ``coursepages.py``). Lectures are executed with
MyST-NB and cached; exercises are rendered as they are, without running them.
"""
from __future__ import annotations

import html
import json
import os
import re
import shutil
import sys
from pathlib import Path

SITE_DIR = Path(__file__).resolve().parent
ROOT = SITE_DIR.parent
sys.path[:0] = [str(SITE_DIR), str(ROOT)]
# The lecture kernels inherit this environment: they import reference_impl from the repository.
os.environ["PYTHONPATH"] = os.pathsep.join(
    [str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])

import jupyter_server_mathjax  # noqa: E402  (a course dependency: MathJax 2.7, served locally)

project = "Neural networks from scratch in NumPy"
author = "the course authors"
copyright = "the course authors, MIT licence"

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.viewcode",
    "sphinx.ext.mathjax",
]
root_doc = "index"
exclude_patterns = ["_build", "**.ipynb_checkpoints", "_course_map.json"]
suppress_warnings = ["mystnb.unknown_mime_type"]

# --- MyST and notebooks --------------------------------------------------------------------
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3
myst_dmath_double_inline = True      # "$$...$$" inside a paragraph, as Jupyter renders it
nb_execution_mode = os.environ.get("NNCOURSE_SITE_EXECUTE", "cache")   # "off" for a quick look
nb_execution_cache_path = os.environ.get(
    "NNCOURSE_SITE_CACHE", str(ROOT / "build" / "site-work" / "jupyter_cache"))
nb_execution_excludepatterns = ["exercises/*"]   # stubs raise NotImplementedError: never run
nb_execution_timeout = 600
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_kernel_rgx_aliases = {".*": "python3"}
nb_merge_streams = True
# No widget manager from a CDN: the site works offline, widgets show their static fallback.
nb_ipywidgets_js = {}
nb_mime_priority_overrides = [
    ("html", "application/vnd.jupyter.widget-view+json", None),
    ("html", "application/vnd.jupyter.widget-state+json", None),
]

# --- autodoc --------------------------------------------------------------------------------
autodoc_member_order = "bysource"
autodoc_typehints = "description"
viewcode_line_numbers = True

# --- HTML -----------------------------------------------------------------------------------
# Furo uses the system font stack and ships its scripts: no web fonts, no CDN.
html_theme = "furo"
html_title = "NN from scratch in NumPy"
html_copy_source = False
html_show_sourcelink = False
html_static_path = ["_static"]
html_extra_path = ["_extra"]          # favicon.ico at the root, where browsers look for it
html_css_files = ["course.css"]
html_theme_options = {"navigation_with_keys": True}
html_favicon = "_static/favicon.svg"

# MathJax 2.7 from the jupyter-server-mathjax package, copied into _static/mathjax (below).
MATHJAX_SOURCE = Path(jupyter_server_mathjax.__file__).parent / "static"
# The package ships one combined configuration (TeX input, HTML-CSS output with the STIX-Web
# fonts, which it includes). Its styles declare a few @font-face rules for fonts the package does
# not ship (TeX's otf fonts, used only by the hidden MathML for screen readers) and a blank font at
# about:blank; the browser would log each as a failed request, so they point at local() instead.
mathjax_path = "mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full"
_NO_FONT = {"src": "local('MathJax_none')"}
mathjax2_config = {
    "tex2jax": {
        "inlineMath": [["\\(", "\\)"]],
        "displayMath": [["\\[", "\\]"]],
        "processEscapes": True,
        "processEnvironments": True,
        "processClass": "math|output_area",
        "ignoreClass": "tex2jax_ignore|mathjax_ignore|highlight",
    },
    "TeX": {"extensions": ["AMSmath.js", "AMSsymbols.js"], "equationNumbers": {"autoNumber": "none"}},
    "HTML-CSS": {"availableFonts": [], "preferredFont": None, "webFont": "STIX-Web",
                 "imageFont": None, "linebreaks": {"automatic": False},
                 "styles": {"@font-face": {"font-family": "MathJax_Blank", **_NO_FONT}}},
    "NativeMML": {"styles": {f"@font-face /*{i}*/": {"font-family": family, **_NO_FONT}
                             for i, family in enumerate(
                                 ["MathJax_Caligraphic-WEB", "MathJax_Caligraphic-WEB", "MathJax_AMS-WEB",
                                  "MathJax_Script-WEB", "MathJax_Fraktur-WEB", "MathJax_Fraktur-WEB"], 1)}},
    "messageStyle": "none",
    "showMathMenu": False,
}


def _copy_mathjax(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "_static" / "mathjax"
    stamp = target / ".source"
    if not stamp.is_file() or stamp.read_text() != str(MATHJAX_SOURCE):
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(MATHJAX_SOURCE, target)
        stamp.write_text(str(MATHJAX_SOURCE))


# --- navigation bar on every module page ------------------------------------------------------

def _course_map(app) -> dict:
    path = Path(app.srcdir) / "_course_map.json"
    return json.loads(path.read_text()) if path.is_file() else {"modules": []}


def _nav_html(app, pagename: str, pathto) -> str | None:
    modules = _course_map(app)["modules"]
    section, _, name = pagename.partition("/")
    if section == "api" and name != "index":
        users = [m for m in modules if name in m["reference"]]
        links = " ".join(f'<a href="{pathto("modules/" + m["id"])}">{html.escape(m["label"])}</a>'
                         for m in users)
        extra = f' · used in {links}' if users else ""
        return (f'<nav class="course-nav" aria-label="course">'
                f'<a href="{pathto("api/index")}">Reference implementation</a>'
                f' · <a href="{pathto("_modules/" + name.replace(".", "/"))}">source of '
                f'{html.escape(name.split(".")[-1])}.py</a>{extra}</nav>')
    if section not in ("modules", "lectures", "exercises"):
        return None
    ids = [m["id"] for m in modules]
    if name not in ids:
        return None
    i = ids.index(name)
    mod = modules[i]

    def link(doc, text, here=False):
        cls = ' class="current"' if here else ""
        return f'<a{cls} href="{pathto(doc)}">{html.escape(text)}</a>'

    prev_link = (link(f"modules/{ids[i - 1]}", f"← {modules[i - 1]['label']}: {modules[i - 1]['title']}")
                 if i > 0 else '<span class="disabled">← first module</span>')
    next_link = (link(f"modules/{ids[i + 1]}", f"{modules[i + 1]['label']}: {modules[i + 1]['title']} →")
                 if i + 1 < len(ids) else '<span class="disabled">last module →</span>')
    parts = [link(f"modules/{name}", "Overview", section == "modules")]
    parts.append(link(f"lectures/{name}", "Lecture", section == "lectures") if mod["lecture"]
                 else '<span class="disabled">Lecture (planned)</span>')
    parts.append(link(f"exercises/{name}", "Exercise", section == "exercises") if mod["exercise"]
                 else '<span class="disabled">Exercise (planned)</span>')
    refs = " ".join(f'<a href="{pathto("_modules/" + r.replace(".", "/"))}">'
                    f'{html.escape(r.split(".")[-1])}.py</a>' for r in mod["reference"])
    ref_part = f'<span class="course-nav-ref">Reference source: {refs}</span>' if refs else ""
    return (f'<nav class="course-nav" aria-label="module">'
            f'<div class="course-nav-row"><span class="course-nav-prev">{prev_link}</span>'
            f'<strong>{html.escape(mod["label"])}</strong>'
            f'<span class="course-nav-next">{next_link}</span></div>'
            f'<div class="course-nav-row">{" · ".join(parts)}{" · " if ref_part else ""}{ref_part}</div>'
            f'</nav>')


# matplotlib's to_jshtml animations link Font Awesome 4 from a CDN for their button icons. The
# site drops that link; _static/course.css draws the same icons with plain Unicode characters.
_FONT_AWESOME_CDN = re.compile(
    r'<link\s+rel="stylesheet"\s+href="https?://[^"]*font-awesome[^"]*"\s*/?>', flags=re.I)


def _add_nav(app, pagename, templatename, context, doctree):
    if "body" not in context:
        return
    context["body"] = _FONT_AWESOME_CDN.sub("", context["body"])
    # MyST-NB embeds the saved widget state for a widget manager; the site loads none.
    context["script_files"] = [js for js in context.get("script_files", [])
                               if "widget-state" not in str(getattr(js, "attributes", {}).get("type", ""))]
    nav = _nav_html(app, pagename, context["pathto"])
    if nav:
        context["body"] = nav + context["body"] + nav.replace('class="course-nav"',
                                                               'class="course-nav bottom"', 1)


# --- widgets: a static note instead of a dead placeholder -------------------------------------

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def _widget_fallback_transform():
    from docutils import nodes
    from sphinx.transforms.post_transforms import SphinxPostTransform

    class WidgetFallback(SphinxPostTransform):
        """A widget's output (before MyST-NB picks a mime type) becomes a short note: with no
        kernel behind the page a widget cannot work, and its text/plain repr means nothing."""
        default_priority = 3       # before myst_nb's SelectMimeType (4)

        def run(self, **kwargs):
            def is_widget_bundle(node):
                return (isinstance(node, nodes.container)
                        and node.get("nb_element", "") == "mime_bundle"
                        and any(c.get("mime_type") == WIDGET_MIME for c in node.children))

            for node in list(self.document.findall(is_widget_bundle)):
                note = nodes.container(classes=["widget-fallback"])
                note += nodes.paragraph(
                    text="An interactive widget is shown here in Jupyter. It needs a running "
                         "kernel: download the notebook from the module page and open it in "
                         "Jupyter to use it. The static figures on this page show the same.")
                node.replace_self(note)

    return WidgetFallback


def setup(app):
    app.add_post_transform(_widget_fallback_transform())
    app.connect("html-page-context", _add_nav)
    app.connect("build-finished", _copy_mathjax)
    return {"parallel_read_safe": True}
