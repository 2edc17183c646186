"""The page in a real browser (headless Debian Chromium through Selenium): the main flow with
the mouse, and again with the keyboard only. Skipped where Chromium or its driver is absent,
unless env CI is set (then their absence fails: see the `browser` fixture)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

UPLOADER = "arn:aws:iam::111122223333:user/uploader"
OBJECT = "arn:aws:s3:::landing-zone/report.csv"
TAB_LIMIT = 400
"""Tab presses allowed to reach a control: the page lists a few hundred services' actions."""

Driver = Any


@pytest.fixture
def page(browser: Driver, served_example: Callable[[str], str]) -> Driver:
    """The browser on the simulator page of the deny-unencrypted-uploads example."""
    browser.get(served_example("deny-unencrypted-uploads"))
    assert browser.title.startswith("Simulator"), browser.title
    return browser


@contextmanager
def _navigation(driver: Driver) -> Iterator[None]:
    """Wait, after the block, until the page it submitted has replaced the current one."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    old = driver.find_element(By.TAG_NAME, "html")
    yield
    WebDriverWait(driver, 30).until(_replaced(old))


def _replaced(old: Any) -> Callable[[Driver], bool]:
    """`expected_conditions.staleness_of(old)`, also taking the error Chromium sometimes gives
    instead of "stale element" when asked about an element of the page being replaced: "Node
    with given id does not belong to the document" (a fresh-clone CI run failed on it)."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException

    def gone(driver: Driver) -> bool:
        try:
            old.is_enabled()
        except StaleElementReferenceException:
            return True
        except WebDriverException as err:
            if "does not belong to the document" in str(err):
                return True
            raise
        return False

    return gone


def _css(driver: Driver, selector: str) -> Any:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, selector)


def _decisions(driver: Driver) -> list[str]:
    from selenium.webdriver.common.by import By

    return [e.text for e in driver.find_elements(By.CSS_SELECTOR, "table.results td.decision")]


def _marked_text(driver: Driver) -> str:
    from selenium.webdriver.common.by import By

    return "\n".join(e.text for e in driver.find_elements(By.CSS_SELECTOR, "pre.policy mark"))


def test_main_flow_pick_untick_run(page: Driver) -> None:
    from selenium.webdriver.support.ui import Select

    Select(_css(page, "#principal")).select_by_value(UPLOADER)
    with _navigation(page):
        _css(page, "button[value=load]").click()
    assert _css(page, "#policy-1").is_selected()
    Select(_css(page, "#service")).select_by_value("s3")
    _css(page, "#q").send_keys("GetObject")
    with _navigation(page):
        _css(page, "button[value=pick]").click()
    _css(page, "input[name=action][value='s3:GetObject']").click()
    with _navigation(page):
        _css(page, "#run").click()
    resource = _css(page, "#res-1")
    resource.clear()
    resource.send_keys(OBJECT)
    with _navigation(page):
        _css(page, "#run").click()
    assert _decisions(page) == ["Allowed"]
    marked = _marked_text(page)
    assert '"Sid": "WriteLanding"' in marked
    mark = _css(page, "pre.policy .line.marked")
    assert mark.value_of_css_property("background-color") not in ("rgba(0, 0, 0, 0)", "")

    _css(page, "#policy-1").click()  # untick the user's only identity policy
    with _navigation(page):
        _css(page, "#run").click()
    assert _decisions(page) == ["ImplicitDeny"]
    assert not _css(page, "#policy-1").is_selected()
    assert '"Sid": "WriteLanding"' not in _marked_text(page)


def _keys(driver: Driver, *keys: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(driver).send_keys(*keys).perform()


def _select_all(driver: Driver) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    ActionChains(driver).key_down(Keys.CONTROL).send_keys("a").key_up(Keys.CONTROL).perform()


def _tab_to(driver: Driver, selector: str, *, backwards: bool = False) -> Any:
    """Press Tab (Shift+Tab) until the focused element is `selector`; fail if it never is."""
    from selenium.webdriver.common.keys import Keys

    target = _css(driver, selector)
    for _ in range(TAB_LIMIT):
        if driver.switch_to.active_element == target:
            outline = target.value_of_css_property("outline-style")
            assert outline not in ("none", ""), f"{selector} has no visible focus"
            return target
        if backwards:
            _keys(driver, Keys.SHIFT, Keys.TAB, Keys.SHIFT)
        else:
            _keys(driver, Keys.TAB)
    pytest.fail(f"{selector} cannot be reached with the keyboard")


def test_main_flow_keyboard_only(page: Driver) -> None:
    from selenium.webdriver.common.keys import Keys

    principal = _tab_to(page, "#principal")
    for _ in range(10):
        if principal.get_attribute("value") == UPLOADER:
            break
        _keys(page, Keys.ARROW_DOWN)
    assert principal.get_attribute("value") == UPLOADER
    _tab_to(page, "button[value=load]")
    with _navigation(page):
        _keys(page, Keys.ENTER)
    _tab_to(page, "#q")
    _keys(page, "s3:GetObject")
    _tab_to(page, "button[value=pick]")
    with _navigation(page):
        _keys(page, Keys.ENTER)
    box = _tab_to(page, "input[name=action][value='s3:GetObject']")
    _keys(page, Keys.SPACE)
    assert box.is_selected()
    _tab_to(page, "#run")
    with _navigation(page):
        _keys(page, Keys.ENTER)
    _tab_to(page, "#res-1", backwards=True)
    _select_all(page)
    _keys(page, OBJECT)
    with _navigation(page):
        _keys(page, Keys.ENTER)  # Enter in a field runs
    assert _decisions(page) == ["Allowed"]
    assert '"Sid": "WriteLanding"' in _marked_text(page)
    # After a Run the focus is on the results; go back up to the policy and untick it.
    assert page.switch_to.active_element == _css(page, "#h-results")
    _tab_to(page, "#policy-1", backwards=True)
    _keys(page, Keys.SPACE)
    _tab_to(page, "#run")
    with _navigation(page):
        _keys(page, Keys.ENTER)
    assert _decisions(page) == ["ImplicitDeny"]
