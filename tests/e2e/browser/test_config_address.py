"""The branch's address and phone on the /config page, in a real chromium against the records and gateway
processes: a manager fills in only the Chinese address and is told, at the English field, that it is missing
(nothing saved); fills in the English one and the phone, saves, and records keeps them; a control character
(a tab) is refused at its field; the English page shows the same fields. Screenshots under
test-artifacts/records/ (look at them).
"""

from __future__ import annotations

import copy
from pathlib import Path

import httpx
import pytest

pytest.importorskip("playwright")
pytest.importorskip("pytest_playwright")

from playwright.sync_api import Browser, expect

from tests.e2e.browser import stack as _stack
from tests.e2e.browser.stack import GatewayStack
from tests.e2e.browser.test_records_pages import DOCUMENT, login, put_config, token

gateway_stack = _stack.gateway_stack

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

ZH = "上海市黄浦区人民路88号"
EN = "88 Renmin Road, Huangpu, Shanghai"


@pytest.fixture(scope="module")
def stack(gateway_stack: GatewayStack) -> GatewayStack:
    if not gateway_stack.records:
        pytest.fail("records did not start in the browser stack (see the warning and devstack/records.log)")
    return gateway_stack


@pytest.fixture(scope="module")
def shots(artifacts: Path) -> Path:
    folder = artifacts / "records"
    folder.mkdir(exist_ok=True)
    return folder


def stored(stack: GatewayStack) -> dict[str, object]:
    got = httpx.get(stack.url(f"/v1/branches/{stack.branch}/config"), headers=token(stack, "manager"), timeout=30)
    assert got.status_code == 200, got.text
    return dict(got.json())


def test_manager_sets_the_branch_address_and_phone(stack: GatewayStack, browser: Browser, shots: Path) -> None:
    created = put_config(stack, copy.deepcopy(DOCUMENT))
    assert created.status_code == 201, created.text
    context = browser.new_context(viewport={"width": 1440, "height": 1100}, locale="zh-CN")
    page = context.new_page()
    login(page, stack, "manager", "/config")
    meta = page.get_by_test_id("meta")
    expect(meta).to_have_attribute("data-version", "1", timeout=15_000)
    expect(page.get_by_test_id("address")).to_contain_text("中文地址")
    expect(page.get_by_test_id("address-zh")).to_have_value("")

    page.get_by_test_id("address-zh").fill(ZH)  # the English address forgotten: refused at its field
    page.get_by_test_id("save").click()
    missing = page.locator("[data-testid=reason][data-for='branch.address.en']")
    expect(missing).to_contain_text("输入无效", timeout=10_000)
    expect(page.get_by_test_id("banner")).to_contain_text("配置未保存")
    page.screenshot(path=str(shots / "config-address-1-422.png"), full_page=True)
    assert stored(stack)["version"] == 1, "nothing was saved"

    page.get_by_test_id("address-en").fill(EN)
    page.get_by_test_id("phone").fill("+86 21 6333 0000")
    page.get_by_test_id("save").click()
    expect(meta).to_have_attribute("data-version", "2", timeout=15_000)
    expect(page.get_by_test_id("banner")).to_contain_text("已保存")
    branch = stored(stack)["config"]["branch"]  # type: ignore[index]
    assert branch["address"] == {"zh": ZH, "en": EN} and branch["phone"] == "+86 21 6333 0000"
    page.screenshot(path=str(shots / "config-address-2-saved.png"), full_page=True)

    page.get_by_test_id("address-zh").fill("上海市\t黄浦区人民路88号")  # a tab: a control character
    page.get_by_test_id("save").click()
    bad = page.locator("[data-testid=reason][data-code=control_character]")
    expect(bad).to_have_text("不能包含换行、制表符等控制字符", timeout=10_000)
    assert stored(stack)["version"] == 2
    page.click("#discard")
    page.click("#lang")
    expect(page.get_by_test_id("address")).to_contain_text("English address")
    expect(page.get_by_test_id("address-en")).to_have_value(EN)
    expect(page.get_by_test_id("phone")).to_have_value("+86 21 6333 0000")
    page.screenshot(path=str(shots / "config-address-3-en.png"), full_page=True)

    page.get_by_test_id("address-zh").fill("")  # both emptied and the phone too: no address any more
    page.get_by_test_id("address-en").fill("")
    page.get_by_test_id("phone").fill("")
    page.get_by_test_id("save").click()
    expect(meta).to_have_attribute("data-version", "3", timeout=15_000)
    branch = stored(stack)["config"]["branch"]  # type: ignore[index]
    assert branch["address"] is None and branch["phone"] is None
    page.click("#lang")
    context.close()
