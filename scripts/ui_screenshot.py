#!/usr/bin/env python3
"""Take the README's screenshot of `policysim ui` (docs/ui-main-flow.png) in headless Debian
Chromium: the deny-unencrypted-uploads example, user uploader, s3:PutObject and s3:GetObject on
an object of the bucket, Run.

    .venv/bin/python scripts/ui_screenshot.py [--out docs/ui-main-flow.png]

Needs the ui and test extras and Debian's chromium + chromium-driver; Selenium is pointed at
/usr/bin/chromedriver, so Selenium Manager downloads nothing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import threading
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

from policysim.account.workspace import open_resolver
from policysim.ui.serve import make_server, page_url

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = Path("examples") / "accounts" / "deny-unencrypted-uploads"
"""Relative to the repository (the page shows where each statement was read)."""
OBJECT = "arn:aws:s3:::landing-zone/report.csv"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--window-size=1200,1700",
)


def submit(driver: webdriver.Chrome, selector: str) -> None:
    """Click a submit button and wait for the next page."""
    old = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, selector).click()
    WebDriverWait(driver, 30).until(expected_conditions.staleness_of(old))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "ui-main-flow.png")
    out = parser.parse_args().out.resolve()
    os.chdir(REPO)
    server, port = make_server(open_resolver([EXAMPLE]), "127.0.0.1", 0)
    threading.Thread(target=server.run, daemon=True).start()
    profile = tempfile.mkdtemp(prefix="policysim-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(
        service=Service(executable_path="/usr/bin/chromedriver"), options=options
    )
    try:
        driver.get(page_url("127.0.0.1", port))
        Select(driver.find_element(By.ID, "principal")).select_by_visible_text("user uploader")
        driver.find_element(By.ID, "q").send_keys("s3:PutObject")
        submit(driver, "button[value=pick]")
        driver.find_element(By.CSS_SELECTOR, "input[name=action][value='s3:PutObject']").click()
        submit(driver, "#run")
        field = driver.find_element(By.ID, "res-1")
        field.clear()
        field.send_keys(OBJECT)
        submit(driver, "#run")
        driver.execute_script("window.scrollTo(0, 0); document.activeElement.blur();")
        out.parent.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(out))
        print(f"wrote {out}")
    finally:
        driver.quit()
        server.close()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    main()
