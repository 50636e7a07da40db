"""The real command, as a person starts it: `growthsim FOLDER` in a terminal (the
headless driver stands in for it), and `growthsim serve` in a headless browser."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys

import pytest

from tests.tui.browser import Browser, chromium, free_port, wait_for_http


def growthsim(*args: str, env: dict | None = None, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "growthsim", *args], env={**os.environ, **(env or {})},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def test_no_arguments_opens_the_app_and_a_run_goes_to_its_results(library, tmp_path):
    """The run journey through the real CLI: pick the first scenario, R, and the app
    shows its results; the screenshot is what a person would see."""
    shots = tmp_path / "shots"
    shots.mkdir()
    # Textual takes the screenshot (and quits) a number of seconds after the start: no
    # condition to wait on from outside, so a generous number of seconds for a run that
    # takes one or two, beside other tests.
    env = {"TEXTUAL_DRIVER": "textual.drivers.headless_driver:HeadlessDriver", "TEXTUAL_PRESS": "r",
           "TEXTUAL_SCREENSHOT": "15", "TEXTUAL_SCREENSHOT_LOCATION": str(shots),
           "TEXTUAL_SCREENSHOT_FILENAME": "journey.svg", "COLUMNS": "100", "LINES": "30"}
    process = growthsim(str(library), env=env)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    assert (shots / "journey.svg").exists(), out[-2000:] + err[-2000:]
    svg = (shots / "journey.svg").read_text()
    assert "F5&#160;Results" in svg or "F5 Results" in svg
    assert "3&#160;replications" in svg or "3 replications" in svg           # base.yaml's results
    assert "Shoppers&#160;acquired" in svg or "Shoppers acquired" in svg


def test_a_missing_folder_is_bad_input(library):
    process = growthsim("no-such-folder-here", "--theme", "light")
    assert process.wait(30) == 2


def colours(png: str) -> int:
    """How many colours a screenshot shows (sampled): a blank page has one or two."""
    import matplotlib.image
    pixels = matplotlib.image.imread(png)
    return len({tuple(p) for p in pixels[::7, ::7, :3].reshape(-1, 3).round(2).tolist()})


@pytest.fixture
def chromium_binary() -> str:
    """Chromium, from Debian's packages (not PyPI). Without it the browser test is skipped
    on a person's machine, and fails under CI, which installs it (.ci/run)."""
    found = chromium()
    if found is None:
        if os.environ.get("CI", "").lower() not in ("", "0", "false"):
            pytest.fail("CI=true but Chromium is not installed: the browser test must run in CI "
                        "(.ci/run installs it: apt-get install chromium)", pytrace=False)
        pytest.skip("needs Chromium: apt-get install chromium (Debian's package)")
    return found


@pytest.mark.serial   # a server and a Chromium
def test_serve_shows_the_app_in_a_browser(library, tmp_path, chromium_binary):
    port = free_port()
    server = growthsim("serve", "--port", str(port), str(library), start_new_session=True)
    browser = None
    try:
        wait_for_http(f"http://127.0.0.1:{port}/", 60)
        browser = Browser(chromium_binary, profile_parent=str(tmp_path))
        shot = tmp_path / "serve.png"
        painted = asyncio.run(browser.visit(f"http://127.0.0.1:{port}/", timeout=90, screenshot=str(shot),
                                            until="document.body.classList.contains('-first-byte')",
                                            shown=lambda path: colours(path) > 8))
        assert painted, "the app never sent its first frame to the page, or the page never drew it"
        assert colours(shot) > 8                                   # a drawn screen, not a blank page
    finally:
        if browser:
            browser.close()
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(20)


def test_help_lists_the_app_and_serve():
    process = growthsim("--help")
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert "serve" in out and "app" in out
