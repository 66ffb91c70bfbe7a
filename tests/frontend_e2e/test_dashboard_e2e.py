"""The dashboard end to end: provider login, every view, URL state, exports, reports, traces.

The tests of this module run in order in one tab (one user's session), against the real
gateway, both services, the demo warehouses, PostgreSQL and the local OpenID provider.
"""

from __future__ import annotations

import io
import re
import time
from urllib.parse import parse_qs, urlsplit

import httpx
import openpyxl
import pytest
from playwright.sync_api import Page, expect

from devtools.idp import DEMO_PASSWORD, DEMO_USERNAME, get_user_token
from tests.frontend_e2e.conftest import Recorder, Spa, clean_output, kpi_value, screenshot_dir

VIEWS = {
    "aw": ["tile-aw-kpis", "tile-aw-history", "tile-aw-forecast", "tile-aw-reps",
           "tile-aw-products"],
    "wwi": ["tile-wwi-kpis", "tile-wwi-reorder", "tile-wwi-suppliers", "tile-wwi-events",
            "tile-wwi-scenarios"],
    "audit": ["tile-audit-verify", "tile-audit-log"],
    "jobs": ["tile-jobs-aw", "tile-jobs-wwi"],
    "reports": ["tile-reports"],
}  # fmt: skip
TILE_TIMEOUT_MS = 30_000


def stored_token(page: Page) -> str | None:
    """The access token oidc-client-ts keeps in sessionStorage (never localStorage)."""
    script = """() => {
      const key = Object.keys(sessionStorage).find((k) => k.startsWith('oidc.user:'));
      return key ? JSON.parse(sessionStorage.getItem(key)).access_token : null;
    }"""
    token: str | None = page.evaluate(script)
    return token


@pytest.fixture(scope="module")
def signed_in(session_page: tuple[Page, Recorder], spa: Spa) -> tuple[Page, Recorder]:
    """Open the app signed out: the provider's login page comes first; sign in as the demo user."""
    clean_output()
    page, recorder = session_page
    page.goto(f"{spa.url}/aw?range=90")
    page.wait_for_url(f"{spa.issuer}/**", timeout=15_000)
    page.fill("input[name=username]", DEMO_USERNAME)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    if page.url.startswith(spa.issuer) and page.locator("form#consent").count():
        page.click("form#consent button[type=submit]")
    page.wait_for_url(f"{spa.url}/aw**", timeout=15_000)
    return page, recorder


def wait_tiles(page: Page, tiles: list[str]) -> None:
    for tile in tiles:
        expect(page.get_by_test_id(tile)).to_have_attribute(
            "data-state", re.compile("ok|idle"), timeout=TILE_TIMEOUT_MS
        )


def test_sign_in_goes_through_the_provider_and_returns_to_the_view(
    signed_in: tuple[Page, Recorder], spa: Spa
) -> None:
    page, recorder = signed_in
    query = parse_qs(urlsplit(page.url).query)
    assert "code" not in query and "state" not in query, page.url
    assert query.get("range") == ["90"], "the view asked for before sign-in is restored"
    expect(page.get_by_test_id("user-name")).to_have_text(DEMO_USERNAME)
    wait_tiles(page, VIEWS["aw"])
    before_token = [
        call for call in recorder.calls if "authorization" not in call.headers
    ]  # calls the page made without a token
    assert [urlsplit(call.url).path for call in before_token] == ["/api/config"] * len(
        before_token
    ), [call.url for call in before_token]


def test_aw_kpis_show_the_api_figures(signed_in: tuple[Page, Recorder], spa: Spa) -> None:
    page, _ = signed_in
    token = get_user_token(spa.issuer)
    api = httpx.get(
        f"{spa.gateway}/api/aw/sales/kpis", headers={"Authorization": f"Bearer {token}"}
    ).json()
    for channel in ("total", "internet", "reseller"):
        revenue = kpi_value(api, channel, "revenue")
        shown = page.get_by_test_id(f"kpi-{channel}-revenue")
        assert float(shown.get_attribute("data-value") or "nan") == pytest.approx(revenue)
        assert f"${revenue:,.0f}" in shown.inner_text()
        orders = kpi_value(api, channel, "orders")
        assert f"{orders:,}" in page.get_by_test_id(f"kpi-{channel}-orders").inner_text()


def test_tokens_are_in_session_storage_only(signed_in: tuple[Page, Recorder]) -> None:
    page, _ = signed_in
    assert stored_token(page)
    local = page.evaluate("() => JSON.stringify(localStorage)")
    assert "access_token" not in local and "oidc" not in local


def test_range_lives_in_the_url_and_survives_a_reload(signed_in: tuple[Page, Recorder]) -> None:
    page, _ = signed_in
    history = page.get_by_test_id("tile-aw-history")
    history.get_by_role("group", name="Range").get_by_role("button", name="30 days").click()
    page.wait_for_url(re.compile(r"range=30"))
    history.get_by_role("group", name="Granularity").get_by_role("button", name="Day").click()
    page.wait_for_url(re.compile(r"grain=day"))
    wait_tiles(page, ["tile-aw-history"])
    assert "30 days" in history.inner_text() or "range" in page.url
    url = page.url
    page.reload()
    wait_tiles(page, VIEWS["aw"])
    assert page.url == url, "the reload kept the view and its query (no new sign-in)"
    pressed = history.get_by_role("group", name="Range").get_by_role("button", name="30 days")
    expect(pressed).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_test_id("user-name")).to_have_text(DEMO_USERNAME)


def test_every_view_renders_at_1280_and_390_px(signed_in: tuple[Page, Recorder]) -> None:
    page, _ = signed_in
    folder = screenshot_dir()
    for view, tiles in VIEWS.items():
        page.set_viewport_size({"width": 1280, "height": 900})
        page.get_by_role("navigation", name="Views").locator(f"a[href='/{view}']").click()
        page.wait_for_url(re.compile(rf"/{view}(\?|$)"))
        wait_tiles(page, tiles)
        assert page.locator("[role=alert]").count() == 0, page.locator(
            "[role=alert]"
        ).all_inner_texts()
        page.screenshot(path=str(folder / f"{view}-1280.png"), full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        page.wait_for_timeout(300)  # charts resize on the next frame
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{view}: the page scrolls sideways by {overflow}px at 390 px"
        page.screenshot(path=str(folder / f"{view}-390.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.emulate_media(color_scheme="dark")  # the theme follows the system setting
    page.get_by_role("navigation", name="Views").locator("a[href='/aw']").click()
    wait_tiles(page, VIEWS["aw"])
    background = page.evaluate("() => getComputedStyle(document.documentElement).backgroundColor")
    page.screenshot(path=str(folder / "aw-dark-1280.png"), full_page=True)
    page.emulate_media(color_scheme="light")
    assert background != page.evaluate(
        "() => getComputedStyle(document.documentElement).backgroundColor"
    )
    assert len(list(folder.glob("*-1280.png"))) == len(VIEWS) + 1


def test_xlsx_export_downloads_with_the_token(signed_in: tuple[Page, Recorder]) -> None:
    page, recorder = signed_in
    page.get_by_role("navigation", name="Views").locator("a[href='/aw']").click()
    wait_tiles(page, ["tile-aw-reps"])
    reps = page.get_by_test_id("tile-aw-reps").locator("tbody tr").count()
    with page.expect_download() as info:
        page.get_by_test_id("export-aw/rep-scores-xlsx").click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(download.path().read_bytes()), read_only=True)
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert reps > 0 and len(rows) >= reps + 1, rows[:3]
    export = [call for call in recorder.calls if "/api/aw/export/rep-scores" in call.url]
    assert export and export[-1].headers.get("authorization", "").startswith("Bearer ")


def test_what_if_form_shows_the_api_422_on_its_field_then_saves(
    signed_in: tuple[Page, Recorder],
) -> None:
    page, _ = signed_in
    page.get_by_role("navigation", name="Views").locator("a[href='/wwi']").click()
    form = page.get_by_test_id("scenario-form")
    form.get_by_label("Demand change (%)").fill("9999")
    form.get_by_role("button", name="Run scenario").click()
    field = form.get_by_label("Demand change (%)")
    expect(field).to_have_attribute("aria-invalid", "true", timeout=TILE_TIMEOUT_MS)
    expect(form.locator("#scenario-demand_change_pct-error")).to_contain_text("500")
    field.fill("15")
    form.get_by_label("Name", exact=True).fill("e2e busy season")
    form.get_by_role("button", name="Run scenario").click()
    expect(form.get_by_role("status")).to_contain_text("Saved scenario", timeout=TILE_TIMEOUT_MS)
    expect(page.get_by_test_id("tile-wwi-scenarios")).to_contain_text(
        "e2e busy season", timeout=TILE_TIMEOUT_MS
    )


def test_report_is_generated_and_its_files_listed(
    signed_in: tuple[Page, Recorder], spa: Spa
) -> None:
    page, _ = signed_in
    page.get_by_role("navigation", name="Views").locator("a[href='/reports']").click()
    page.get_by_role("button", name="Generate report").click()
    result = page.get_by_test_id("report-result")
    expect(result).to_be_visible(timeout=60_000)
    sizes = result.locator("[data-bytes]")
    assert sizes.count() == 2
    page.screenshot(path=str(screenshot_dir() / "reports-generated-1280.png"), full_page=True)
    for path_text, size in zip(
        result.locator("code").filter(has_text=str(spa.stack.report_dir)).all_inner_texts(),
        [int(sizes.nth(i).get_attribute("data-bytes") or 0) for i in range(2)],
        strict=True,
    ):
        written = spa.stack.report_dir / path_text.rsplit("/", 1)[1]
        assert written.stat().st_size == size > 0


def test_api_calls_carry_authorization_and_traceparent(signed_in: tuple[Page, Recorder]) -> None:
    _, recorder = signed_in
    calls = [call for call in recorder.calls if urlsplit(call.url).path != "/api/config"]
    assert len(calls) > 20
    for call in calls:
        assert call.headers.get("authorization", "").startswith("Bearer "), call.url
        assert re.fullmatch(
            r"00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]", call.headers.get("traceparent", "")
        ), call.url


def test_browser_and_gateway_spans_share_one_trace(
    signed_in: tuple[Page, Recorder], spa: Spa
) -> None:
    _, recorder = signed_in
    kpis = [call for call in recorder.calls if urlsplit(call.url).path == "/api/aw/sales/kpis"]
    trace_id = kpis[-1].headers["traceparent"].split("-")[1]

    def complete(spans: list) -> bool:
        services = {span.service for span in spans if span.trace_id == trace_id}
        return {"otel-bi-frontend", "api-gateway"} <= services

    spans = spa.stack.otlp.wait_for(complete, timeout=20)
    mine = [span for span in spans if span.trace_id == trace_id]
    names = {span.name for span in mine if span.service == "otel-bi-frontend"}
    assert "dashboard aw" in names, names
    dashboard = next(span for span in mine if span.name == "dashboard aw")
    fetches = [
        span
        for span in mine
        if span.service == "otel-bi-frontend" and span.parent_span_id == dashboard.span_id
    ]
    assert len(fetches) >= 5, "every AW call starts inside the dashboard span"


def test_session_renews_before_the_token_expires(
    signed_in: tuple[Page, Recorder], spa: Spa
) -> None:
    """Silent renewal (prompt=none in a hidden iframe): a new token, the page never leaves."""
    page, _ = signed_in
    left: list[str] = []
    page.on(
        "framenavigated",
        lambda frame: left.append(frame.url) if frame == page.main_frame else None,
    )
    first = stored_token(page)
    deadline = time.monotonic() + 45
    while stored_token(page) == first and time.monotonic() < deadline:
        page.wait_for_timeout(500)
    assert stored_token(page) != first, "no silent renewal within 45 s of a 75 s token"
    assert not [url for url in left if url.startswith(spa.issuer)], left
    page.get_by_role("navigation", name="Views").locator("a[href='/jobs']").click()
    wait_tiles(page, VIEWS["jobs"])


def test_the_app_logged_no_errors(signed_in: tuple[Page, Recorder]) -> None:
    _, recorder = signed_in
    assert recorder.console_errors == []


def test_sign_out_ends_the_provider_session(signed_in: tuple[Page, Recorder], spa: Spa) -> None:
    page, _ = signed_in
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{spa.issuer}/**")
    confirm = page.locator("button[name=logout][value=yes]")
    if confirm.count():
        confirm.click()
    page.wait_for_url(re.compile(rf"^{re.escape(spa.issuer)}/interaction/"), timeout=15_000)
    expect(page.locator("input[name=password]")).to_be_visible()
    assert stored_token(page) is None
