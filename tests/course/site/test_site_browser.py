"""The course website in a real browser, opened from disk with the network cut off.

The site is built (``course.site.website.build_site``) into a temporary folder from the real
build's executed lectures when ``build/`` holds them, else from lectures 01 and 03 executed
here (fast profile, about 30 s), plus a small exercises page with collapsed answers. Playwright
drives Debian's chromium (headless; nothing is downloaded); every request that leaves the
site's folder is aborted and recorded, and the test fails if there is any.

Checked on every lecture page: the sidebar links to every lecture in the outline's order, a
formula typeset by MathJax and no raw ``$`` left in the text, a figure that loaded (natural
width > 0), the build's measured box, and the Colab launch link. Also: search finds a word,
the dashboard lists every lecture, and answers stay collapsed until clicked. Screenshots go
to ``test-artifacts/site/`` (git-ignored).
"""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest

from course import paths
from course.colab import colab_url
from course.site.build import build, load_manifest
from course.site.outline import LECTURES
from course.site.website import SITE, build_site
from course.workspace import known_assignments

ROOT = Path(__file__).resolve().parents[3]
ARTIFACTS = ROOT / "test-artifacts" / "site"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FALLBACK_LECTURES = ("01_convolution_arithmetic.ipynb", "03_classic_architectures.ipynb")
EXERCISES = "99_exercises.ipynb"
MARKDOWN_TABLE = "| network | test accuracy |\n|---|--:|\n| lenet5-style | 90.27% |"  # as 04b shows
ANSWER_CODE = "answer_code_is_hidden = 7 * 6"
ANSWER_OUTPUT = "the hidden output 42"
ANSWER_PROSE = "The stride halves the output"
DROPDOWN_PROSE = "A dropdown answer"
# the article's text without code, outputs and typeset math: where a raw "$" would show
PROSE = """() => {
    const article = document.querySelector('article').cloneNode(true);
    article.querySelectorAll('pre, code, script, style, mjx-container, .cell_output')
        .forEach(element => element.remove());
    return article.innerText;
}"""

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="the playwright package is not installed (pip install "
    "-e '.[test]' installs it)")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (make setup installs Debian's chromium)")]


def png_figure() -> str:
    """A small matplotlib figure as base64 PNG, as a notebook stores it."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(3, 2))
    axes.plot([0, 1, 2], [0, 1, 4])
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode()


def exercises_notebook() -> nbformat.NotebookNode:
    """A lecture-like page with a formula, a figure and answers collapsed every supported way:
    JupyterLab's collapse metadata, MyST-NB's tags, ``<details>`` and ``{dropdown}``."""
    cells = [
        nbformat.v4.new_markdown_cell("# Exercises fixture\n\nThe output size is "
                                      "$$\\frac{N - F + 2P}{S} + 1.$$"),
        nbformat.v4.new_code_cell("plot()"),
        nbformat.v4.new_code_cell("Markdown(table)"),
        nbformat.v4.new_markdown_cell("## Exercises\n\n1. What does stride 2 do?\n\n"
                                      "<details>\n<summary>Answer</summary>\n\n"
                                      f"{ANSWER_PROSE}: $\\lfloor 7/2 \\rfloor = 3$.\n\n"
                                      "</details>\n\n"
                                      f"```{{dropdown}} Answer\n{DROPDOWN_PROSE}.\n```"),
        nbformat.v4.new_code_cell(ANSWER_CODE, metadata={"jupyter": {"source_hidden": True}}),
        nbformat.v4.new_code_cell("print(answer)", metadata={"tags": ["hide-cell"]}),
    ]
    cells[1].outputs = [nbformat.v4.new_output("display_data", {
        "image/png": png_figure(), "text/plain": "<Figure size 300x200>"})]
    cells[2].outputs = [nbformat.v4.new_output("display_data", {
        "text/markdown": MARKDOWN_TABLE, "text/plain": "<IPython.core.display.Markdown object>"})]
    cells[5].outputs = [nbformat.v4.new_output("stream", name="stdout", text=ANSWER_OUTPUT)]
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata.kernelspec = {"name": "python3", "display_name": "Python 3",
                                    "language": "python"}
    return notebook


def executed_lectures(build_dir: Path, base: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    """Copy the real build's executed lectures into ``build_dir``, or execute two here;
    return the manifest."""
    real = load_manifest(paths.BUILD)
    present = {name: entry for name, entry in real["notebooks"].items()
               if (paths.BUILD / "lectures" / name).is_file()}
    (build_dir / "lectures").mkdir(parents=True)
    if present:
        for name in present:
            shutil.copy(paths.BUILD / "lectures" / name, build_dir / "lectures" / name)
        return {**real, "notebooks": present}
    lectures = base / "lectures"
    lectures.mkdir()
    for name in FALLBACK_LECTURES:
        shutil.copy(paths.LECTURES / name, lectures / name)
    monkeypatch.setenv("COURSE_PROFILE", "fast")
    monkeypatch.delenv("MPLBACKEND", raising=False)  # the kernels draw figures inline
    build(out=build_dir, lectures=lectures, helpers=paths.ROOT / "helpers", jobs=2,
          timeout=600, assignments=False, site=False, say=lambda line: None)
    return load_manifest(build_dir)


@dataclass
class Site:
    root: Path
    lectures: list[str]  # notebook names, in the sidebar's order
    outside: list[str] = field(default_factory=list)  # requests that left the site

    def url(self, page: str) -> str:
        return (self.root / page).as_uri()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    shutil.rmtree(ARTIFACTS, ignore_errors=True)  # no screenshot of an earlier run stays
    base = tmp_path_factory.mktemp("site")
    build_dir = base / "build"
    with pytest.MonkeyPatch.context() as monkeypatch:
        manifest = executed_lectures(build_dir, base, monkeypatch)
    nbformat.write(exercises_notebook(), build_dir / "lectures" / EXERCISES)
    manifest["notebooks"][EXERCISES] = {"status": "ok", "seconds": 0.5, "peak_memory": 2**28,
                                        "data": ["Data: none"], "key_results": []}
    if not manifest.get("assignments"):
        manifest["assignments"] = {
            name: {"notebook": next((paths.ASSIGNMENTS / name).glob("*.ipynb")).name}
            for name in known_assignments()}
    result = build_site(build_dir, manifest, say=lambda line: None)
    assert result.ok, result.message
    order = [lecture.notebook for lecture in LECTURES if lecture.notebook in manifest["notebooks"]]
    ARTIFACTS.mkdir(parents=True)
    return Site(build_dir / SITE, [*order, EXERCISES])


@pytest.fixture(scope="module")
def browser(site: Site) -> Iterator:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--disable-dev-shm-usage"])
        context = chromium.new_context(viewport={"width": 1400, "height": 900})
        inside = site.root.as_uri() + "/"

        def only_the_site(route) -> None:
            if route.request.url.startswith(inside):
                route.continue_()
            else:
                site.outside.append(route.request.url)
                route.abort()

        context.route("**/*", only_the_site)
        context.on("request", lambda request: None if request.url.startswith(
            (inside, "data:", "blob:", "about:")) else site.outside.append(request.url))
        try:
            yield context
        finally:
            context.close()
            chromium.close()


def open_page(browser, site: Site, page_name: str):
    page = browser.new_page()
    page.goto(site.url(page_name))
    page.wait_for_load_state("load")
    return page


def test_every_lecture_page_has_navigation_math_and_a_figure(site: Site, browser) -> None:
    for name in site.lectures:
        stem = Path(name).stem
        page = open_page(browser, site, f"lectures/{stem}.html")
        sidebar = page.locator("nav.bd-docs-nav a.reference").evaluate_all(
            "links => links.map(link => link.getAttribute('href'))")
        listed = [re.sub(r"^(\.\./)?(lectures/)?", "", href) for href in sidebar
                  if href.endswith(".html") and "assignments/" not in href
                  and not href.startswith(("#", "../index", "../dashboard", "index"))]
        assert listed == [
            f"{Path(other).stem}.html" for other in site.lectures if other != name], sidebar

        page.wait_for_function("() => document.querySelectorAll('mjx-container').length > 0",
                               timeout=30_000)
        prose = page.evaluate(PROSE)
        assert "$" not in prose, (name, prose[max(0, prose.find("$") - 80):][:160])

        figure = page.locator("article .cell_output img").first
        figure.scroll_into_view_if_needed()
        page.wait_for_function("image => image.complete && image.naturalWidth > 0",
                               arg=figure.element_handle(), timeout=10_000)

        assert page.locator("article").get_by_text(
            "Measured when the course build ran this page").count() == 1
        colab = page.locator("a[href*='colab.research.google.com']").first
        assert colab.get_attribute("href") == colab_url(f"lectures/{name}")

        page.locator("mjx-container").first.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / f"{stem}.png"))
        page.close()
    assert not site.outside, f"requests outside the site: {sorted(set(site.outside))[:10]}"


def test_search_finds_a_word(site: Site, browser) -> None:
    page = open_page(browser, site, "index.html")
    fields = page.locator(".search-button-field:visible")
    assert fields.count() == 1, "one search box (the sidebar's), not a second one in a header"
    page.locator(".bd-sidebar-primary .search-button-field").click()  # opens the search box
    page.locator("input[name='q']:visible").fill("stride")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/search\.html\?q=stride.*"))
    results = page.locator("#search-results ul.search li")
    results.first.wait_for(timeout=30_000)
    found = " ".join(results.all_inner_texts())
    assert "Exercises fixture" in found  # its answer mentions the word
    if "01_convolution_arithmetic.ipynb" in site.lectures:
        assert "Convolution arithmetic" in found
    page.screenshot(path=str(ARTIFACTS / "search.png"))
    page.close()
    assert not site.outside, f"requests outside the site: {sorted(set(site.outside))[:10]}"


def test_answers_are_collapsed_until_opened(site: Site, browser) -> None:
    page = open_page(browser, site, f"lectures/{Path(EXERCISES).stem}.html")
    for text in (ANSWER_CODE, ANSWER_OUTPUT, ANSWER_PROSE, DROPDOWN_PROSE):
        assert page.get_by_text(text).count() >= 1, text  # on the page...
        assert not page.get_by_text(text).first.is_visible(), text  # ...but collapsed
    page.locator("article details summary").filter(has_text="Answer").first.click()
    assert page.get_by_text(ANSWER_PROSE).first.is_visible()
    page.locator("article details summary").filter(has_text="Show code cell source").first.click()
    assert page.get_by_text(ANSWER_CODE).first.is_visible()
    page.wait_for_timeout(500)  # the opened answer fades in
    page.screenshot(path=str(ARTIFACTS / "exercises.png"))
    page.close()


def test_a_markdown_output_shows_its_table(site: Site, browser) -> None:
    page = open_page(browser, site, f"lectures/{Path(EXERCISES).stem}.html")
    table = page.locator("article .cell_output table")
    assert table.count() == 1  # not a paragraph of pipes
    assert table.locator("th").all_inner_texts() == ["network", "test accuracy"]
    assert table.locator("td").all_inner_texts() == ["lenet5-style", "90.27%"]
    assert "Author name not set" not in page.locator("footer").first.inner_text()
    page.close()


def test_dashboard_lists_every_lecture_and_assignment(site: Site, browser) -> None:
    page = open_page(browser, site, "dashboard.html")
    rows = page.locator("article table").first.locator("tbody tr")
    names = rows.locator("a.reference").evaluate_all(
        "links => links.map(link => link.getAttribute('href'))")
    assert names == [f"lectures/{Path(name).stem}.html" for name in site.lectures]
    text = page.locator("article").inner_text()
    for name in known_assignments():
        assert name in text
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
    page.close()
    saved = json.dumps(sorted(set(site.outside)))
    assert not site.outside, f"requests outside the site: {saved}"
