"""The course website (``make site``): built from lectures/, exercises/ and reference_impl/ only,
readable with no network at all, and checked page by page in a real browser.

The fast tests build one module without running its lecture. The slow ones (``make test-slow``)
build the whole site with every lecture executed, serve it on 127.0.0.1 and open every page in
headless Chromium with every other host unreachable: no failed request, no console error, every
formula typeset by the site's own MathJax, every image loaded, the module 4 animation plays, and
no hidden test or solution anywhere. A screenshot of each page goes to
``build/site-test-work/screenshots/``.
"""
from __future__ import annotations

import functools
import html
import http.server
import json
import os
import posixpath
import re
import shutil
import subprocess
import sys
import threading
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest

from nncourse.course import ROOT, modules

sys.path.insert(0, str(ROOT / "site"))
import build as site_build  # noqa: E402  (site/build.py)
import coursepages  # noqa: E402  (site/coursepages.py)

HIDDEN_MARKERS = ["BEGIN HIDDEN TESTS", "END HIDDEN TESTS", "BEGIN SOLUTION", "END SOLUTION",
                  "BEGIN MARK SCHEME", "END MARK SCHEME"]
EXTERNAL_ASSET = re.compile(
    r"""<(?:script|img|iframe|source|video|audio|embed|track)\b[^>]*\bsrc\s*=\s*["']?\s*(?:https?:)?//"""
    r"""|<link\b[^>]*\bhref\s*=\s*["']?\s*(?:https?:)?//"""
    r"""|url\(\s*["']?\s*(?:https?:)?//|@import\s+["']?(?:url\()?\s*["']?(?:https?:)?//""",
    flags=re.I)


def _require_site_packages():
    missing = [name for name in ("sphinx", "myst_nb", "furo") if not _importable(name)]
    if missing:
        pytest.fail(f"the site builder is not installed ({', '.join(missing)} missing): "
                    "run `pip install -e '.[site]'` (make site does it)", pytrace=False)


def _importable(name: str) -> bool:
    import importlib.util
    return importlib.util.find_spec(name) is not None


# --- what must never be published -----------------------------------------------------------------

def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _cell_source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _public_text() -> str:
    """Everything the site may show: lectures, the student versions, reference_impl's code."""
    parts = []
    for nb in sorted((ROOT / "lectures").glob("*.ipynb")) + sorted((ROOT / "exercises").glob("*/*.ipynb")):
        parts += [_cell_source(c) for c in json.loads(nb.read_text())["cells"]]
    parts += [p.read_text() for p in sorted((ROOT / "reference_impl").glob("*.py"))]
    # Squashed as a whole: the task text may wrap a line of the solution over two lines.
    return _squash(" ".join(re.sub(r"[`*]", "", part) for part in parts)) + " " + _squash(" ".join(parts))


def secret_lines() -> list[str]:
    """The lines of every hidden test, solution and written-answer key in solutions/ that appear
    in no public file (a hidden test's `import numpy as np` is no secret)."""
    public = _public_text()
    secrets: set[str] = set()
    for nb in sorted((ROOT / "solutions").glob("*/*.ipynb")):
        for cell in json.loads(nb.read_text())["cells"]:
            source = _cell_source(cell)
            meta = cell.get("metadata", {}).get("nbgrader", {})
            lines: list[str] = []
            if cell["cell_type"] == "markdown" and meta.get("solution"):
                lines = source.splitlines()            # a written answer's model answer
            else:
                inside = False
                for line in source.splitlines():
                    if re.search(r"BEGIN (HIDDEN TESTS|SOLUTION|MARK SCHEME)", line):
                        inside = True
                    elif re.search(r"END (HIDDEN TESTS|SOLUTION|MARK SCHEME)", line):
                        inside = False
                    elif inside:
                        lines.append(line)
            for line in lines:
                line = _squash(line)
                if len(line) >= 16 and not line.startswith("#") and line not in public:
                    secrets.add(line)
    return sorted(secrets)


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data):
        self.parts.append(data)


def _site_text(path: Path) -> str:
    raw = path.read_text(errors="replace")
    if path.suffix == ".ipynb":
        return "\n".join(_cell_source(c) for c in json.loads(raw)["cells"])
    if path.suffix in (".html", ".htm"):
        parser = _Text()
        parser.feed(raw)
        return "".join(parser.parts)
    return html.unescape(raw)


def _site_files(out: Path):
    for path in sorted(out.rglob("*")):
        if path.is_file() and "mathjax" not in path.relative_to(out).parts and \
                path.suffix in (".html", ".js", ".txt", ".ipynb", ".py", ".json", ".md", ".css"):
            yield path


def assert_nothing_hidden(out: Path):
    secrets = secret_lines()
    assert len(secrets) > 20, "found too few hidden lines in solutions/: is the parser broken?"
    leaks = []
    for path in _site_files(out):
        text = _site_text(path)
        leaks += [f"{path.relative_to(out)}: marker {m!r}" for m in HIDDEN_MARKERS if m in text]
        squashed = _squash(text)
        leaks += [f"{path.relative_to(out)}: {s!r}" for s in secrets if s in squashed]
    assert not leaks, "hidden tests or solutions in the site:\n" + "\n".join(leaks[:30])


def assert_no_external_assets(out: Path):
    found = []
    for path in out.rglob("*"):
        if path.suffix in (".html", ".css") and "mathjax" not in path.relative_to(out).parts:
            for m in EXTERNAL_ASSET.finditer(path.read_text(errors="replace")):
                found.append(f"{path.relative_to(out)}: {m.group(0)[:120]}")
    assert not found, "scripts, styles, fonts or images from elsewhere:\n" + "\n".join(found[:30])


# --- fast: the page generator and a one-module build without execution --------------------------

def test_every_module_gets_its_pages():
    mods = coursepages.course_modules()
    ids = [m.id for m in mods]
    assert set(modules()) <= set(ids), "every graded module has a page"
    assert {p.stem for p in (ROOT / "lectures").glob("*.ipynb")} <= set(ids)
    first = mods[0]
    assert first.number == 1 and first.lecture and first.exercise
    assert "reference_impl.neuron" in first.reference and "reference_impl.logic_gates" in first.reference
    assert all(not r.rsplit(".", 1)[1].startswith("_") for m in mods for r in m.reference)


def test_site_sources_never_read_solutions(tmp_path):
    coursepages.generate(tmp_path / "src", only=[modules()[0]])
    written = [p for p in (tmp_path / "src").rglob("*") if p.is_file()]
    for p in written:
        if p.suffix == ".ipynb":
            twin = ROOT / p.parent.name / (p.name if p.parent.name == "lectures" else f"{p.stem}/{p.name}")
            assert p.read_bytes() == twin.read_bytes(), f"{p} is not a copy of {twin}"
            assert p.parent.name in ("lectures", "exercises")
    joined = "\n".join(p.read_text() for p in written)
    assert not any(m in joined for m in HIDDEN_MARKERS)


def test_quick_build_of_one_module(tmp_path):
    """One module, lecture not executed: the pages, the navigation, local MathJax, nothing hidden."""
    _require_site_packages()
    module = modules()[0]
    out = tmp_path / "site"
    status = site_build.build(out, only=[module], execute=False, quiet=True,
                              cache=tmp_path / "cache")
    assert status == 0, "sphinx-build failed: see the output above"
    for page in (f"modules/{module}.html", f"lectures/{module}.html", f"exercises/{module}.html",
                 "api/index.html", "api/reference_impl.neuron.html",
                 "_modules/reference_impl/neuron.html", "index.html"):
        assert (out / page).is_file(), f"{page} was not built"
    assert (out / "_static" / "mathjax" / "MathJax.js").is_file()
    lecture = (out / "lectures" / f"{module}.html").read_text()
    assert 'src="../_static/mathjax/MathJax.js?config=' in lecture
    assert "text/x-mathjax-config" in lecture and "MathJax.Hub.Config" in lecture  # MathJax 2
    for page in ("lectures", "exercises", "modules"):
        text = (out / page / f"{module}.html").read_text()
        assert 'class="course-nav"' in text, f"no module navigation on {page}/{module}.html"
        if page != "exercises":
            assert f'href="../exercises/{module}.html"' in text, f"no exercise link on {page}/{module}.html"
        assert 'href="../_modules/reference_impl/neuron.html"' in text
        assert 'class="course-nav-next"' in text and 'class="course-nav-prev"' in text
    exercise = (out / "exercises" / f"{module}.html").read_text()
    assert "YOUR CODE HERE" in exercise and "cell_output" not in exercise, \
        "the exercise must be shown as it is, not executed"
    assert_no_external_assets(out)
    assert_nothing_hidden(out)


# --- slow: the whole site, every lecture executed, every page in Chromium ---------------------------

def _chromium() -> tuple[str, str]:
    def find():
        browser = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")
                        if shutil.which(n)), None)
        return browser, shutil.which("chromedriver")

    browser, driver = find()
    if browser and driver:
        return browser, driver
    why = "chromium and chromedriver are not installed"
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True)
        run = subprocess.run(["apt-get", "install", "-y", "-qq", "chromium", "chromium-driver"],
                             env=env, capture_output=True, text=True)
        browser, driver = find()
        if browser and driver:
            return browser, driver
        why += f" and `apt-get install chromium chromium-driver` failed:\n{run.stderr[-1500:]}"
    else:
        why += " and this is not a root Debian/Ubuntu system where the test could install them"
    pytest.fail(f"{why}\nInstall Chromium and its driver (Debian: apt-get install chromium "
                "chromium-driver) to run the browser tests.", pytrace=False)


@pytest.fixture(scope="session")
def full_site():
    """The whole site, lectures executed (cached in build/site-work/jupyter_cache)."""
    prebuilt = os.environ.get("NNCOURSE_SITE_PREBUILT")   # check a site built elsewhere
    if prebuilt:
        return Path(prebuilt).resolve()
    _require_site_packages()
    out = ROOT / "build" / "site-test"
    shutil.rmtree(out, ignore_errors=True)
    start = time.monotonic()
    status = site_build.build(out, quiet=True)
    assert status == 0, "sphinx-build failed: see the output above"
    print(f"\nsite built in {time.monotonic() - start:.0f} s")
    return out


@pytest.fixture(scope="session")
def server(full_site):
    handler = functools.partial(_QuietHandler, directory=str(full_site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def browser():
    pytest.importorskip("selenium", reason="pip install -e '.[site]' for the browser tests")
    driver = start_browser()
    yield driver
    driver.quit()


def start_browser():
    """Headless Chromium that can reach 127.0.0.1 only, logging network and console."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    binary, driver_path = _chromium()
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,1000", "--hide-scrollbars", "--no-first-run",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-extensions", "--lang=en-US",
                # No host but this machine's loopback resolves: a request for anything else fails
                # and shows up below as a failed request.
                '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
                "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=127.0.0.1"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(120)
    driver.set_script_timeout(120)
    # Collect MathJax's own error signals (TeX parse errors, files it could not load).
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": """
        window.__mathjax_errors = [];
        window.MathJax = {AuthorInit: function () {
            ["TeX Jax - parse error", "Math Processing Error", "file load error"].forEach(
                function (kind) { MathJax.Hub.Register.MessageHook(kind, function (m) {
                    window.__mathjax_errors.push(String(m)); }); });
        }};"""})
    return driver


VISIBLE_TEXT_JS = """
const skip = "script, style, noscript, pre, code, kbd, samp, textarea, .highlight, .MathJax_Preview, "
           + ".MJX_Assistive_MathML, .MathJax, .MathJax_Display, .MathJax_SVG, .MathJax_SVG_Display, mjx-container";
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
const parts = [];
while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    if (el && !el.closest(skip)) parts.push(walker.currentNode.nodeValue);
}
return parts.join(" ");
"""

PAGE_STATE_JS = """
const done = arguments[arguments.length - 1];
function report(mathjax) {
    const images = Array.from(document.images).map(img => ({
        src: img.currentSrc.slice(0, 120), complete: img.complete, width: img.naturalWidth}));
    const maths = Array.from(document.querySelectorAll(".math.notranslate"));
    const untypeset = maths.filter(m => !m.querySelector(".MathJax, .MathJax_Display, .MathJax_SVG, .MathJax_SVG_Display, .MathJax_CHTML"))
                           .map(m => m.textContent.slice(0, 80));
    done({mathjax: mathjax, images: images, maths: maths.length, untypeset: untypeset,
          mathjax_errors: window.__mathjax_errors || [],
          widgets: document.querySelectorAll('script[type*="jupyter.widget"]').length,
          height: document.documentElement.scrollHeight});
}
if (window.MathJax && window.MathJax.Hub && window.MathJax.Hub.Queue) {
    MathJax.Hub.Queue(function () { report("typeset"); });
} else if (document.querySelector('script[src*="MathJax.js"]')) {
    // Loaded but not started yet: wait for it.
    let tries = 0;
    const wait = setInterval(function () {
        if (window.MathJax && window.MathJax.Hub && window.MathJax.Hub.Queue) {
            clearInterval(wait); MathJax.Hub.Queue(function () { report("typeset"); });
        } else if (++tries > 200) { clearInterval(wait); report("MathJax did not start"); }
    }, 100);
} else {
    report("no math on this page");
}
"""


def _network_problems(entries, origin: str) -> list[str]:
    problems, urls = [], {}
    for entry in entries:
        message = json.loads(entry["message"])["message"]
        method, params = message["method"], message.get("params", {})
        if method == "Network.requestWillBeSent":
            url = params["request"]["url"]
            urls[params["requestId"]] = url
            if not url.startswith((origin, "data:", "blob:", "about:")):
                problems.append(f"request outside the site: {url[:150]}")
        elif method == "Network.loadingFailed" and not params.get("canceled"):
            problems.append(f"failed: {urls.get(params['requestId'], '?')[:150]} "
                            f"({params.get('errorText')})")
        elif method == "Network.responseReceived" and params["response"]["status"] >= 400:
            problems.append(f"HTTP {params['response']['status']}: {params['response']['url'][:150]}")
    return problems


def _pages(out: Path) -> list[str]:
    return sorted(str(p.relative_to(out)) for p in out.rglob("*.html")
                  if "_static" not in p.relative_to(out).parts)


@pytest.fixture(scope="session")
def visited(full_site, server, browser):
    """Open every page once; what each one showed, keyed by its path in the site."""
    shots = site_build.work_dir(full_site) / "screenshots"
    shutil.rmtree(shots, ignore_errors=True)
    shots.mkdir(parents=True)
    browser.get_log("performance")
    results = {}
    for page in _pages(full_site):
        browser.set_window_size(1280, 1000)
        browser.get(f"{server}/{page}")
        state = browser.execute_async_script(PAGE_STATE_JS)
        # Pictures that load only when scrolled to: bring each into view once, then measure.
        browser.execute_script("document.querySelectorAll('img').forEach(i => i.loading = 'eager');")
        state = browser.execute_async_script(PAGE_STATE_JS)
        state["text"] = browser.execute_script(VISIBLE_TEXT_JS)
        state["console"] = [f"{e['level']}: {e['message'][:300]}" for e in browser.get_log("browser")
                            if e["level"] in ("SEVERE", "ERROR")]
        state["network"] = _network_problems(browser.get_log("performance"), server)
        state["nav"] = browser.execute_script(
            "return Array.from(document.querySelectorAll('nav.course-nav a')).map(a => a.getAttribute('href'));")
        browser.set_window_size(1280, max(1000, min(int(state["height"]), 5000)))
        browser.save_screenshot(str(shots / (page.replace("/", "__").removesuffix(".html") + ".png")))
        results[page] = state
    return results


def _failures(visited, key) -> list[str]:
    return [f"{page}: {item}" for page, state in visited.items() for item in state[key]]


@pytest.mark.slow
def test_full_site_has_every_module(full_site):
    for module in coursepages.course_modules():
        assert (full_site / "modules" / f"{module.id}.html").is_file()
        if module.lecture:
            text = (full_site / "lectures" / f"{module.id}.html").read_text()
            assert "cell_output" in text, f"lecture {module.id} was not executed"
        if module.exercise:
            assert (full_site / "exercises" / f"{module.id}.html").is_file()


@pytest.mark.slow
def test_full_site_has_no_hidden_tests_or_solutions(full_site):
    assert_nothing_hidden(full_site)


@pytest.mark.slow
def test_full_site_loads_nothing_from_elsewhere(full_site):
    assert_no_external_assets(full_site)


@pytest.mark.slow
def test_every_page_loads_without_failed_requests(visited):
    assert len(visited) > 10
    problems = _failures(visited, "network")
    assert not problems, "\n".join(problems[:40])


@pytest.mark.slow
def test_every_page_has_no_console_error(visited):
    problems = _failures(visited, "console")
    assert not problems, "\n".join(problems[:40])


@pytest.mark.slow
def test_every_formula_is_typeset(visited):
    problems = []
    for page, state in visited.items():
        if state["maths"]:
            if state["mathjax"] != "typeset":
                problems.append(f"{page}: {state['mathjax']}")
            problems += [f"{page}: not typeset: {m!r}" for m in state["untypeset"]]
            problems += [f"{page}: MathJax: {e}" for e in state["mathjax_errors"]]
        text = state["text"]
        raw = re.findall(r"\$[^$\n]{1,80}\$|\\(?:frac|sum|sigma|partial|mathbf|left|right|begin|"
                         r"nabla|theta|alpha|eta|cdot|odot|top|sqrt|log|exp)\b", text)
        problems += [f"{page}: raw TeX in the visible text: {r!r}" for r in raw[:5]]
    assert not problems, "\n".join(problems[:40])
    assert sum(s["maths"] for s in visited.values()) > 100, "hardly any math found: parser off?"


@pytest.mark.slow
def test_every_image_loads(visited):
    problems = [f"{page}: {img['src']}" for page, state in visited.items()
                for img in state["images"] if not img["complete"] or img["width"] == 0]
    assert not problems, "images that did not load:\n" + "\n".join(problems[:40])
    lectures = {p: s for p, s in visited.items() if p.startswith("lectures/")}
    assert all(s["images"] for s in lectures.values()), "a lecture without a single figure"


@pytest.mark.slow
def test_widgets_leave_no_dead_placeholder(visited):
    problems = [f"{page}: {state['widgets']} widget placeholders" for page, state in visited.items()
                if state["widgets"]]
    assert not problems, "\n".join(problems)


@pytest.mark.slow
def test_module_pages_link_neighbours_exercise_and_source(visited):
    ids = [m.id for m in coursepages.course_modules()]
    problems = []
    for i, module in enumerate(ids):
        for section in ("modules", "lectures", "exercises"):
            page = f"{section}/{module}.html"
            if page not in visited:
                continue
            here = posixpath.dirname(page)
            nav = ["../" + posixpath.normpath(posixpath.join(here, h)) for h in visited[page]["nav"]]
            wanted = []
            if i > 0:
                wanted.append(f"../modules/{ids[i - 1]}.html")
            if i + 1 < len(ids):
                wanted.append(f"../modules/{ids[i + 1]}.html")
            if (ROOT / "exercises" / module).is_dir() and section != "exercises":
                wanted.append(f"../exercises/{module}.html")
            problems += [f"{page}: no link to {w}" for w in wanted if w not in nav]
            if section == "lectures" and not any(h.startswith("../_modules/reference_impl/") for h in nav):
                problems.append(f"{page}: no link to the reference_impl source")
    assert not problems, "\n".join(problems)


@pytest.mark.slow
def test_module_4_animation_plays(full_site, server, browser):
    page = next(p for p in _pages(full_site) if p.startswith("lectures/04_"))
    browser.get_log("browser")
    browser.get(f"{server}/{page}")
    animations = browser.find_elements("css selector", "div.animation")
    assert animations, "module 4 has no to_jshtml animation"
    for animation in animations:
        img = animation.find_element("css selector", "img")
        slider = animation.find_element("css selector", "input.anim-slider")
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", animation)
        first = img.get_attribute("src")
        assert first and first.startswith("data:image"), "the animation's frames are not embedded"
        assert int(slider.get_attribute("max")) > 5, "an animation with hardly any frames"
        play = animation.find_element("css selector", "button[title='Play']")
        icon_width = browser.execute_script(
            "return arguments[0].getBoundingClientRect().width;", play.find_element("css selector", "i"))
        assert icon_width > 0, "the play button has no icon"
        play.click()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and int(slider.get_attribute("value")) < 3:
            time.sleep(0.2)
        assert int(slider.get_attribute("value")) >= 3, "pressing Play did not advance the frames"
        assert img.get_attribute("src") != first, "the picture did not change while playing"
        animation.find_element("css selector", "button[title='Pause']").click()
    assert not [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    shots = site_build.work_dir(full_site) / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    animations[0].screenshot(str(shots / "module_4_animation.png"))
