#!/usr/bin/env python3
"""Drives the demo in headless Chromium, as a person would: sign in, read the dashboard, register a
referral and (as the vendor) approve it and record its win after seeing the fee, request MDF and claim it with a
proof file while the vendor approves and accepts, upload a sales file with an error, do a whole quarter end
(exceptions, close, hold, approve one and all behind their confirmation, payout file, mark paid), run a what-if
upload. Checks what each page shows, and runs axe-core on every page it reaches: a serious or critical
accessibility violation fails the walk.

    scripts/browser-check.py BASE_URL [--phone] [--screenshots DIR]

At 1366x768, or with --phone at 390x844 (a phone's viewport, emulated: headless Chromium's windows are at least
500 px wide), where no page may scroll sideways. The walk changes the demo's data: run each size on a fresh demo.
Needs selenium and axe-selenium-python (PyPI) and Debian's chromium + chromium-driver. Exits non-zero on the first
check that fails.
"""
import argparse
import datetime
import decimal
import os
import re
import sys
import tempfile
import zipfile

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait
from axe_selenium_python import Axe

PASSWORD = "channelbook-demo"


PHONE = False
PAGES_CHECKED = set()


def browser(phone):
    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1366,768"):
        options.add_argument(flag)
    options.binary_location = "/usr/bin/chromium"
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    if phone:
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True})
    return driver


def accessible(driver):
    """axe-core on the page shown: no serious or critical violation; on a phone, no sideways scrolling either.
    Each path is checked once per state of its query (a page reached again after a form is checked again)."""
    url = driver.current_url
    axe = Axe(driver)
    axe.inject()
    results = axe.run()
    bad = [v for v in results["violations"] if v["impact"] in ("serious", "critical")]
    if bad:
        for violation in bad:
            nodes = "; ".join(node["html"][:160] for node in violation["nodes"][:3])
            print(f"FAILED: axe {violation['impact']} {violation['id']} on {url}: {violation['help']}: {nodes}", file=sys.stderr)
        sys.exit(1)
    if PHONE:
        wide = driver.execute_script("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
        if wide > 0:
            print(f"FAILED: {url} scrolls sideways by {wide} px at 390 px", file=sys.stderr)
            sys.exit(1)
    PAGES_CHECKED.add(url.split("?")[0])


def shot(driver, path):
    """A screenshot from the top of the page (a form's button clicked further down leaves the page scrolled)."""
    # Bootstrap scrolls smoothly: jump instead, so the picture is not taken halfway.
    driver.execute_script("document.documentElement.style.scrollBehavior = 'auto'; window.scrollTo(0, 0)")
    WebDriverWait(driver, 5).until(lambda _: driver.execute_script("return window.scrollY") == 0)
    driver.save_screenshot(path)


def visit(driver, url):
    driver.get(url)
    accessible(driver)


def check(condition, message):
    if not condition:
        print(f"FAILED: {message}", file=sys.stderr)
        sys.exit(1)
    print(f"ok: {message}")


def is_gone(element):
    """Whether the page holding `element` has been replaced. Chromium sometimes answers a question about a node of
    the page just replaced with "Node with given id does not belong to the document" instead of "stale element":
    both mean the same, and neither is a failure of the app."""
    try:
        element.is_enabled()
        return False
    except StaleElementReferenceException:
        return True
    except WebDriverException as error:
        if "does not belong to the document" in str(error):
            return True
        raise


def submit(driver, button):
    """Clicks a form's button and waits for the next page to replace this one (no sleeping); then checks it."""
    old = driver.find_element(By.TAG_NAME, "html")
    # Clicked as a script would: a button inside a table's scrolling box may sit outside the viewport's own scroll.
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].click()", button)
    WebDriverWait(driver, 20).until(lambda _: is_gone(old))
    accessible(driver)


def sign_in(driver, base, email):
    driver.delete_all_cookies()
    visit(driver, f"{base}/login")
    driver.find_element(By.NAME, "email").send_keys(email)
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    submit(driver, driver.find_element(By.CSS_SELECTOR, "form button"))


DOWNLOADS = tempfile.mkdtemp(prefix="channelbook-downloads-")


def downloaded(driver, click, name):
    """Clicks what downloads a file (a link, or a form's button) and answers the file's text once the browser has
    written it under `name` in the walk's own download folder."""
    path = os.path.join(DOWNLOADS, name)
    if os.path.exists(path):
        os.remove(path)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": DOWNLOADS})
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].click()", click)
    WebDriverWait(driver, 20).until(lambda _: os.path.exists(path) and not os.path.exists(path + ".crdownload"))
    with open(path, encoding="utf-8") as file:
        return file.read()


def error_pages(driver, base):
    """The styled error pages, each with a way back, checked by axe like every page: 403 (a role without the
    right), 400 (a filter that is not a date), 404 (no such page). The 429 page is the sign-in's, checked first."""
    visit(driver, f"{base}/webhooks")
    check("may not" in driver.page_source and "Back to the dashboard" in driver.page_source, "a page the role may not see is a styled 403 with a way back")
    visit(driver, f"{base}/audit?since=2026-02-30")
    check("error" in driver.page_source and "2026-02-30" in driver.page_source, "a filter that is not a date is refused on the page, what was typed kept")
    visit(driver, f"{base}/no-such-page")
    check("Back to the dashboard" in driver.page_source, "an unknown page is a styled 404 with a way back")


def fill(driver, form, name, value):
    field = form.find_element(By.NAME, name)
    if field.get_attribute("type") == "date":
        driver.execute_script("arguments[0].value = arguments[1]", field, value)  # date inputs take keys in the browser's locale
    else:
        field.clear()
        field.send_keys(value)


def row_of(driver, text):
    return driver.find_element(By.XPATH, f"//tr[td[contains(., '{text}')]]")


def mdf_walk(driver, base, screenshots):
    """A reseller requests MDF (a refused amount comes back beside its field), the vendor approves part, the reseller
    claims with a PDF, the vendor accepts the claim, and the reseller's ledger shows it payable."""
    today = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
    sign_in(driver, base, "partner@demo.channelbook.example")
    visit(driver, f"{base}/mdf")
    check("Balance on" in driver.page_source and "Request funds" in driver.page_source, "the reseller's MDF page shows its balance and the request form")
    form = driver.find_element(By.CSS_SELECTOR, "form.mdf-request")
    for name, value in (("activity", "Selenium roadshow"), ("planned_cost", "2000.00"), ("amount", "1500.00"), ("starts", today), ("ends", today)):
        fill(driver, form, name, value)
    submit(driver, form.find_element(By.TAG_NAME, "button"))
    error = driver.find_element(By.ID, "request-amount-error").text
    check("more than 50% of the planned cost" in error, "an MDF request over half the cost is refused beside the amount")
    form = driver.find_element(By.CSS_SELECTOR, "form.mdf-request")
    check(form.find_element(By.NAME, "activity").get_attribute("value") == "Selenium roadshow", "the refused form keeps what was typed")
    fill(driver, form, "amount", "1000.00")
    for name in ("starts", "ends"):
        fill(driver, form, name, today)
    submit(driver, form.find_element(By.TAG_NAME, "button"))
    check("awaits the vendor's review" in driver.page_source, "an MDF request is sent")

    sign_in(driver, base, "admin@demo.channelbook.example")
    visit(driver, f"{base}/mdf")
    approve = row_of(driver, "Selenium roadshow").find_element(By.CSS_SELECTOR, "form.mdf-approve")
    fill(driver, approve, "amount", "900.00")
    submit(driver, approve.find_element(By.TAG_NAME, "button"))
    check("approved: the amount is reserved" in driver.page_source, "the vendor approves part of the request")

    sign_in(driver, base, "partner@demo.channelbook.example")
    visit(driver, f"{base}/mdf")
    claim = row_of(driver, "Selenium roadshow").find_element(By.CSS_SELECTOR, "form.mdf-claim")
    fill(driver, claim, "actual_cost", "1800.00")
    fill(driver, claim, "amount", "900.00")
    with tempfile.NamedTemporaryFile("wb", suffix=".pdf", delete=False) as proof:
        proof.write(b"%PDF-1.4\n% roadshow attendance\n%%EOF\n")
    claim.find_element(By.NAME, "file").send_keys(proof.name)
    if screenshots:
        shot(driver, os.path.join(screenshots, "mdf-partner.png"))
    submit(driver, claim.find_element(By.TAG_NAME, "button"))
    check("sent with its proof" in driver.page_source, "the reseller claims with a proof file")

    sign_in(driver, base, "admin@demo.channelbook.example")
    visit(driver, f"{base}/mdf")
    row = row_of(driver, "Selenium roadshow")
    check(len(row.find_elements(By.CSS_SELECTOR, "a[href^='/mdf/proofs/']")) == 1, "the vendor's claim queue links the proof file")
    if screenshots:
        shot(driver, os.path.join(screenshots, "mdf-review.png"))
    submit(driver, row.find_element(By.CSS_SELECTOR, "form.mdf-accept-claim button"))
    check("accepted: payable" in driver.page_source, "the vendor accepts the claim")

    sign_in(driver, base, "partner@demo.channelbook.example")
    visit(driver, f"{base}/mdf")
    ledger = [row.text for row in driver.find_elements(By.CSS_SELECTOR, "tr") if row.text.startswith(today) and "payable" in row.text]
    check(any(line.endswith("$900.00") for line in ledger), "the reseller's MDF ledger shows the accepted claim payable")


def renewals_walk(driver, base, screenshots):
    """A maintenance officer's dashboard is its queue: filters, a quote refused then recorded, a lapse with a reason;
    the second officer sees only its distributor; a distributor's login records quotes but cannot lapse."""
    sign_in(driver, base, "maintenance@demo.channelbook.example")
    page = driver.page_source
    check("Renewals of contracts sold by D01, D02." in page and "Queue" in page, "the maintenance officer's dashboard is its renewal queue")
    check(len(driver.find_elements(By.CSS_SELECTOR, "figure.pipeline svg rect")) == 3, "the queue draws the pipeline's three buckets")
    check("Renewal rate" in page and "%</td>" in page, "the queue shows the renewal rate per quarter, as a percentage")
    if screenshots:
        shot(driver, os.path.join(screenshots, "renewals-officer.png"))
    visit(driver, f"{base}/renewals?status=quoted")
    statuses = [row.find_elements(By.TAG_NAME, "td")[9].text for row in driver.find_elements(By.CSS_SELECTOR, "table#renewal-queue tbody tr")]
    check(statuses and all(status == "quoted" for status in statuses), "the status filter shows quoted opportunities only")
    visit(driver, f"{base}/renewals")
    search = driver.find_element(By.CSS_SELECTOR, "form[action='/renewals']")
    fill(driver, search, "customer", "summit clinics")
    submit(driver, search.find_element(By.TAG_NAME, "button"))
    check([row.find_elements(By.TAG_NAME, "td")[2].text for row in driver.find_elements(By.CSS_SELECTOR, "table#renewal-queue tbody tr")]
          == ["Summit Clinics (D01)"], "the customer search finds the open Summit Clinics contract (D02 lapsed its own)")
    submit(driver, row_of(driver, "Summit Clinics (D01)").find_element(By.CSS_SELECTOR, "a"))
    form = driver.find_element(By.CSS_SELECTOR, "form.renewal-quote")
    fill(driver, form, "amount", "47.505")
    submit(driver, form.find_element(By.TAG_NAME, "button"))
    check(driver.find_element(By.ID, "quote-error").text != "", "a quote with a bad amount is refused beside the field")
    form = driver.find_element(By.CSS_SELECTOR, "form.renewal-quote")
    check(form.find_element(By.NAME, "amount").get_attribute("value") == "47.505", "the refused quote keeps what was typed")
    fill(driver, form, "amount", "4750.00")
    submit(driver, form.find_element(By.TAG_NAME, "button"))
    check("Quote recorded." in driver.page_source and "quoted (" in driver.page_source, "the officer records a quote")
    visit(driver, f"{base}/renewals?status=quoted")
    submit(driver, row_of(driver, "Kestrel Legal (D02)").find_element(By.CSS_SELECTOR, "a"))
    form = driver.find_element(By.CSS_SELECTOR, "form.renewal-lapse")
    fill(driver, form, "reason", "customer consolidated its sites")
    submit(driver, form.find_element(By.TAG_NAME, "button"))
    check("Opportunity lapsed." in driver.page_source and "customer consolidated its sites" in driver.page_source, "the officer lapses an opportunity with a reason")

    sign_in(driver, base, "maintenance2@demo.channelbook.example")
    page = driver.page_source
    check("sold by D03." in page and "(D01)" not in page and "(D02)" not in page, "the second officer sees only its distributor's queue")

    sign_in(driver, base, "distributor@demo.channelbook.example")
    visit(driver, f"{base}/renewals?status=open")
    check("The renewals D01 owns" in driver.page_source and "(D02)" not in driver.page_source, "a distributor sees the renewals it owns")
    submit(driver, driver.find_element(By.CSS_SELECTOR, "table#renewal-queue tbody tr a"))
    check(driver.find_elements(By.CSS_SELECTOR, "form.renewal-quote") and not driver.find_elements(By.CSS_SELECTOR, "form.renewal-lapse"),
          "a distributor may quote but not lapse")


def sell_through_workbook(path, rows):
    """A small .xlsx as a spreadsheet program saves one: shared strings, a date cell (a serial number with a date
    style) and numeric seats and amounts — written with the standard library only."""
    header = ["line_id", "date", "source", "reseller", "customer", "sku", "category", "seats", "amount", "currency"]
    strings = []

    def shared(text):
        if text not in strings:
            strings.append(text)
        return strings.index(text)

    def column(index):
        return "ABCDEFGHIJ"[index]

    def cell(reference, value, kind):
        if kind == "date":
            serial = (datetime.date.fromisoformat(value) - datetime.date(1899, 12, 30)).days
            return f'<c r="{reference}" s="1"><v>{serial}</v></c>'
        if kind == "number":
            return f'<c r="{reference}"><v>{value}</v></c>'
        return f'<c r="{reference}" t="s"><v>{shared(value)}</v></c>'

    sheet_rows = []
    for number, values in enumerate([header] + rows, start=1):
        cells = []
        for index, value in enumerate(values):
            kind = "text" if number == 1 else ("date" if index == 1 else "number" if index in (7, 8) else "text")
            cells.append(cell(f"{column(index)}{number}", value, kind))
        sheet_rows.append(f'<row r="{number}">{"".join(cells)}</row>')
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    relationships = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    escaped = [text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") for text in strings]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("[Content_Types].xml", '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
                      '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                      '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                      '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
                      '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>')
        book.writestr("_rels/.rels", '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                      f'<Relationship Id="rId1" Type="{relationships}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        book.writestr("xl/workbook.xml", f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{main}" xmlns:r="{relationships}"><sheets><sheet name="Sell-through" sheetId="1" r:id="rId1"/></sheets></workbook>')
        book.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                      f'<Relationship Id="rId1" Type="{relationships}/worksheet" Target="worksheets/sheet1.xml"/>'
                      f'<Relationship Id="rId2" Type="{relationships}/sharedStrings" Target="sharedStrings.xml"/>'
                      f'<Relationship Id="rId3" Type="{relationships}/styles" Target="styles.xml"/></Relationships>')
        book.writestr("xl/styles.xml", f'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{main}"><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>')
        book.writestr("xl/sharedStrings.xml", f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{main}" count="{len(strings)}" uniqueCount="{len(strings)}">'
                      + "".join(f"<si><t>{text}</t></si>" for text in escaped) + "</sst>")
        book.writestr("xl/worksheets/sheet1.xml", f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{main}"><sheetData>{"".join(sheet_rows)}</sheetData></worksheet>')


def matching_walk(driver, base, screenshots):
    """D02's login uploads a workbook naming a reseller nobody knows; its line is parked, D02 suggests the partner, and
    the vendor's admin maps the name: the line reaches D02's sell-through."""
    today = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
    sign_in(driver, base, "distributor2@demo.channelbook.example")
    page = driver.page_source
    check("Sell-through by segment and reseller" in page and "Route exceptions in your reports" in page, "a distributor's dashboard shows its sell-through and its route exceptions")
    visit(driver, f"{base}/matching")
    suggestion = driver.find_element(By.CSS_SELECTOR, "form[action='/matching/suggest'] input[name='partner']").get_attribute("value")
    check(suggestion != "", "a parked name from the demo's D02 report comes with a likely partner")
    visit(driver, f"{base}/sales/upload")
    with tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False) as workbook:
        path = workbook.name
    sell_through_workbook(path, [["SEL-D02-1", today, "D02", "Selenium Systems Pty Ltd", "Acme Clinic", "SW-1001", "software", "3", "450.5", "AUD"]])
    driver.find_element(By.NAME, "file").send_keys(path)
    submit(driver, driver.find_element(By.XPATH, "//button[text()='Upload']"))
    page = driver.page_source
    check("1 parked" in page and "1 line names a reseller not known yet" in page, "a workbook with an unknown reseller imports with its line parked, and the page says so")
    visit(driver, f"{base}/matching")
    form = driver.find_element(By.XPATH, "//tr[td[text()='Selenium Systems Pty Ltd']]//form[@action='/matching/suggest']")
    fill(driver, form, "partner", suggestion)
    submit(driver, form.find_element(By.TAG_NAME, "button"))
    check("Suggestion sent" in driver.page_source, "the distributor suggests the partner its parked name is")
    if screenshots:
        shot(driver, os.path.join(screenshots, "matching-distributor.png"))

    sign_in(driver, base, "admin@demo.channelbook.example")
    visit(driver, f"{base}/matching")
    row = driver.find_element(By.XPATH, "//tr[td[text()='Selenium Systems Pty Ltd']]")
    check("suggested by distributor2@demo.channelbook.example" in row.text, "the vendor sees the distributor's suggestion")
    form = row.find_element(By.XPATH, ".//form[@action='/matching/map']")
    check(form.find_element(By.NAME, "partner").get_attribute("value") == suggestion, "the map form starts from the suggestion")
    submit(driver, form.find_element(By.TAG_NAME, "button"))
    page = driver.page_source
    check("Mapped: the name" in page and "Selenium Systems Pty Ltd</td><td>" + suggestion in page, "the vendor maps the name and it is listed as decided")

    sign_in(driver, base, "distributor2@demo.channelbook.example")
    visit(driver, f"{base}/matching")
    page = driver.page_source
    check("Selenium Systems Pty Ltd</td><td>" + suggestion in page and "<td>Selenium Systems Pty Ltd</td><td>3</td>" not in page,
          "the distributor sees its name decided and no longer parked")


def analytics_walk(driver, base, screenshots):
    """The vendor's analytics: charts of the strategy, the table with its changes, regrouped and filtered in the form."""
    visit(driver, f"{base}/analytics")
    page = driver.page_source
    charts = ("Net sales per quarter, stacked by segment", "Net sales per quarter, DIRECT against distribution",
              "SMB sales per quarter by distributor", "MDF paid per quarter")
    check(all(f'aria-label="{chart}"' in page for chart in charts),
          "analytics draws net sales by segment, direct against distribution, each distributor's SMB sales and MDF paid")
    rows = [row.text for row in driver.find_elements(By.CSS_SELECTOR, "#sales-report tbody tr")]
    check(any(" smb " in f" {row} " for row in rows) and any(" single " in f" {row} " for row in rows), "the analytics table lists net sales by segment")
    check(any("%" in row for row in rows), "a quarter's net sales are compared with the same quarter a year before")
    if screenshots:
        shot(driver, os.path.join(screenshots, "analytics.png"))
    form = driver.find_element(By.ID, "analytics-form")
    driver.execute_script("arguments[0].click()", form.find_element(By.CSS_SELECTOR, "input[name=by][value=segment]"))
    driver.execute_script("arguments[0].click()", form.find_element(By.CSS_SELECTOR, "input[name=by][value=distributor]"))
    Select(form.find_element(By.NAME, "segment")).select_by_visible_text("smb")
    submit(driver, form.find_element(By.TAG_NAME, "button"))
    headings = [cell.text.rstrip(" ▲▼") for cell in driver.find_elements(By.CSS_SELECTOR, "#sales-report thead th")]
    distributors = {row.find_elements(By.TAG_NAME, "td")[1].text for row in driver.find_elements(By.CSS_SELECTOR, "#sales-report tbody tr")}
    check([heading.lower() for heading in headings[:2]] == ["quarter", "distributor"] and distributors <= {"DIRECT", "D01", "D02", "D03"} and "D01" in distributors,
          "the form regroups the table by distributor, filtered to the SMB segment")
    check("segment=smb" in driver.find_element(By.PARTIAL_LINK_TEXT, "Download CSV").get_attribute("href"), "the CSV export keeps the page's query")
    # Sorted by net sales, largest first: the heading's link, then the same order in the rows.
    for _ in range(2):  # the first follow sorts smallest first, the second turns it round
        visit(driver, driver.find_element(By.CSS_SELECTOR, "#sales-report thead a[href*='sort=net']").get_attribute("href"))
    amounts = [float(cell.get_attribute("value")) for cell in driver.find_elements(By.CSS_SELECTOR, "#sales-report tbody tr td:nth-child(4) data")]
    check(len(amounts) > 1 and amounts == sorted(amounts, reverse=True), "the analytics table sorts by net sales, largest first")
    check("sort=net&dir=desc" in driver.find_element(By.PARTIAL_LINK_TEXT, "Download CSV").get_attribute("href"), "the CSV keeps the table's order")


def tour(driver, base, screenshots):
    """Every other page, as the role it is for: read only, so axe (and the phone's width) sees the whole app."""
    pages = {
        "admin@demo.channelbook.example": ["/", "/partners", "/partners?q=Harbour+R00001", "/partners/R00012", "/near-tier?sort=basis&dir=desc",
                                           "/enablement?sort=reps&dir=desc", "/audit", "/audit?action=close", "/tokens", "/webhooks", "/renewals",
                                           "/referrals", "/whatif", "/quarters", "/quarters/2026Q1", "/mdf?status=requested", "/mdf/balances?sort=available",
                                           "/no/such/page"],
        "finance@demo.channelbook.example": ["/", "/quarters/2026Q1", "/audit"],
        "partner@demo.channelbook.example": ["/", "/partners/R00012", "/referrals", "/tokens", "/renewals", "/mdf"],
        "distributor@demo.channelbook.example": ["/", "/sales/upload", "/matching", "/quarters/2026Q2/exceptions", "/renewals"],
        "maintenance@demo.channelbook.example": ["/", "/renewals"],
    }
    for login, paths in pages.items():
        sign_in(driver, base, login)
        for path in paths:
            visit(driver, f"{base}{path}")
            check("<h1" in driver.page_source, f"{path} renders for {login.split('@')[0]}")
    if screenshots:
        sign_in(driver, base, "partner@demo.channelbook.example")
        visit(driver, f"{base}/")
        shot(driver, os.path.join(screenshots, "partner-dashboard.png"))


def referral_walk(driver, base, referral_page):
    """The vendor approves the partner's referral with a fulfiller from the list, is told a win dated tomorrow
    cannot be recorded, then sees the fee before recording today's win."""
    today = datetime.datetime.now(datetime.timezone.utc).date()
    sign_in(driver, base, "admin@demo.channelbook.example")
    visit(driver, referral_page)
    approve = driver.find_element(By.CSS_SELECTOR, "form[action$='/approve']")
    Select(approve.find_element(By.NAME, "fulfiller")).select_by_value("DIRECT")
    submit(driver, approve.find_element(By.TAG_NAME, "button"))
    check("approved: the customer is protected" in driver.page_source, "the vendor approves a referral from its page")
    win = driver.find_element(By.CSS_SELECTOR, "form[action$='/close']")
    fill(driver, win, "sku", "SW-1001")
    fill(driver, win, "seats", "260")
    driver.execute_script("arguments[0].removeAttribute('max')", win.find_element(By.NAME, "closedOn"))  # the browser would refuse it first
    fill(driver, win, "closedOn", (today + datetime.timedelta(days=1)).isoformat())
    submit(driver, win.find_element(By.TAG_NAME, "button"))
    check("a date that has not come yet" in driver.page_source, "a win dated in the future is refused beside its date")
    win = driver.find_element(By.CSS_SELECTOR, "form[action$='/close']")
    check(win.find_element(By.NAME, "sku").get_attribute("value") == "SW-1001", "what was typed is kept after a refusal")
    fill(driver, win, "closedOn", today.isoformat())
    submit(driver, win.find_element(By.TAG_NAME, "button"))
    check("earns a referral fee of" in driver.page_source, "the fee is shown before the win is recorded")
    submit(driver, driver.find_element(By.XPATH, "//button[text()='Record the win']"))
    check(" won: a fee of $" in driver.page_source, "the win is recorded with its fee")


def quarter_end_walk(driver, base, screenshots):
    """Quarter end in the browser: the admin closes 2026Q2 and accepts a route exception with a note; finance holds
    one statement, approves another alone and then the rest through the confirmation page, releases and approves the
    held one, and marks the quarter paid after seeing what will be paid."""
    quarter = "2026Q2"
    visit(driver, f"{base}/quarters/{quarter}/exceptions?reviewed=no")
    forms = driver.find_elements(By.CSS_SELECTOR, "form[action*='/exceptions/review?']")
    check(len(forms) >= 2, "the exceptions page lists route exceptions to review")
    line = forms[0].find_element(By.NAME, "line").get_attribute("value")
    fill(driver, forms[0], "note", "confirmed with the distributor")
    submit(driver, forms[0].find_element(By.TAG_NAME, "button"))
    check(f"Accepted line {line}" in driver.page_source, "a route exception is accepted with a note")
    if screenshots:
        shot(driver, os.path.join(screenshots, "exceptions.png"))

    # Another one belongs to a different reseller: reassigned, first to a code that is no reseller (refused beside
    # the field, what was typed kept), then to the right one.
    details = driver.find_elements(By.CSS_SELECTOR, "td details")[0]
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].open = true", details)
    form = details.find_element(By.TAG_NAME, "form")
    line = form.find_element(By.NAME, "line").get_attribute("value")
    fill(driver, form, "reseller", "NOT-A-RESELLER")
    fill(driver, form, "note", "wrong code on the report")
    submit(driver, form.find_element(By.TAG_NAME, "button"))
    check("NOT-A-RESELLER is not a reseller" in driver.page_source, "a reassignment to an unknown code is refused beside the field")
    form = driver.find_element(By.CSS_SELECTOR, "details[open] form")
    fill(driver, form, "reseller", "R00012")
    submit(driver, form.find_element(By.TAG_NAME, "button"))
    check(f"Reassigned line {line}" in driver.page_source, "a route exception's line is reassigned to the reseller it belongs to")
    visit(driver, f"{base}/quarters/{quarter}/exceptions?reviewed=yes")
    check("reassigned to R00012: wrong code on the report" in driver.page_source, "the reassigned line is reviewed, with why")

    visit(driver, f"{base}/quarters/{quarter}")
    submit(driver, driver.find_element(By.XPATH, f"//button[starts-with(text(), 'Close {quarter}')]"))
    check(f"Closed {quarter}" in driver.page_source and "draft" in driver.page_source, "closing a quarter shows its draft statements")

    sign_in(driver, base, "finance@demo.channelbook.example")
    visit(driver, f"{base}/quarters/{quarter}")
    holds = driver.find_elements(By.CSS_SELECTOR, "form[action*='/hold?']")
    check(len(holds) >= 2, "finance can hold each draft statement")
    held_partner = holds[0].get_attribute("action").split("/")[-2]
    fill(driver, holds[0], "reason", "ABN to confirm")
    submit(driver, holds[0].find_element(By.TAG_NAME, "button"))
    check(f"{held_partner}'s statement is held" in driver.page_source, "holding a statement says what it does")
    check("held: ABN to confirm" in driver.page_source, "a held statement shows its reason")

    one = driver.find_elements(By.XPATH, "//a[text()='Approve…']")[0]
    visit(driver, one.get_attribute("href"))
    check("Approve <strong>1 statement</strong>" in driver.page_source, "approving one statement shows what will happen first")
    submit(driver, driver.find_element(By.XPATH, "//button[starts-with(text(), 'Approve 1 statement')]"))
    check("Approved 1 statement" in driver.page_source, "one statement is approved after its confirmation")

    visit(driver, f"{base}/quarters/{quarter}/approve")
    page = driver.page_source
    check("Held, and not approved: " + held_partner in page, "the approve-all confirmation names the held statement it passes by")
    check(re.search(r"totalling <strong><data class=\"amount\" value=\"[0-9.]+\">\$[0-9,.]+</data></strong>", page), "the approve-all confirmation shows the total")
    if screenshots:
        shot(driver, os.path.join(screenshots, "approve-confirmation.png"))
    submit(driver, driver.find_element(By.XPATH, "//button[starts-with(text(), 'Approve ')]"))
    check("Approved " in driver.page_source and "held: ABN to confirm" in driver.page_source, "approve all approves every draft but the held one")

    release = driver.find_element(By.CSS_SELECTOR, "form[action*='/release?'] button")
    submit(driver, release)
    check(f"{held_partner}'s statement is released" in driver.page_source, "a hold is released")
    visit(driver, f"{base}/quarters/{quarter}/approve?partner={held_partner}")
    submit(driver, driver.find_element(By.XPATH, "//button[starts-with(text(), 'Approve 1 statement')]"))
    check(not driver.find_elements(By.CSS_SELECTOR, "form[action*='/hold?']"), "every statement of the quarter is approved")
    check(driver.find_elements(By.XPATH, "//button[text()='Payout file (CSV)']"), "the payout file is offered once statements are approved")
    payouts = downloaded(driver, driver.find_element(By.XPATH, "//button[text()='Payout file (CSV)']"), f"payouts-{quarter}.csv")
    check(payouts.startswith("partner,abn,amount,statement_reference") and payouts.count("\n") >= 3, "the payout file downloads with a row per approved statement")
    visit(driver, f"{base}/quarters/{quarter}")

    # The statements sort by a column (the sort said to screen readers) and download in that order.
    submit(driver, driver.find_element(By.XPATH, "//th/a[starts-with(text(), 'Total')]"))
    check(driver.find_elements(By.CSS_SELECTOR, "th[aria-sort='ascending']"), "the statements sort by total")
    listing = downloaded(driver, driver.find_element(By.XPATH, "//a[text()='Download CSV']"), f"statements-{quarter}.csv")
    totals = [decimal.Decimal(line.rsplit(",", 1)[1]) for line in listing.strip().splitlines()[1:]]
    check(len(totals) >= 3 and totals == sorted(totals), "the statements' CSV is in the order the page shows")

    pay = driver.find_element(By.CSS_SELECTOR, "form[action$='/mark-paid']")
    fill(driver, pay, "reference", "EFT-BROWSER-1")
    submit(driver, pay.find_element(By.TAG_NAME, "button"))
    check("paid under the reference <strong>EFT-BROWSER-1</strong>" in driver.page_source, "marking paid shows what will be paid first")
    submit(driver, driver.find_element(By.XPATH, "//button[starts-with(text(), 'Mark ')]"))
    check("paid under EFT-BROWSER-1" in driver.page_source, "the quarter is marked paid")
    check("EFT-BROWSER-1: " in driver.page_source, "the payment shows in the quarter's history")
    if screenshots:
        shot(driver, os.path.join(screenshots, "quarter.png"))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("--screenshots")
    parser.add_argument("--phone", action="store_true", help="390x844 instead of 1366x768")
    args = parser.parse_args()
    global PHONE
    PHONE = args.phone
    base = args.base.rstrip("/")
    if args.screenshots and args.phone:
        args.screenshots = os.path.join(args.screenshots, "phone")
        os.makedirs(args.screenshots, exist_ok=True)
    driver = browser(args.phone)
    passed = 0
    try:
        sign_in(driver, base, "nobody@demo.channelbook.example")
        check("the email or password is not right" in driver.page_source, "a wrong sign-in is refused with a message")
        for _ in range(6):
            sign_in(driver, base, "locked-out@demo.channelbook.example")
        check("too many failed sign-ins for this email" in driver.page_source, "sign-in is throttled after five failures, on the sign-in page answered 429")

        sign_in(driver, base, "partner@demo.channelbook.example")
        body = driver.find_element(By.TAG_NAME, "body").text
        check("Rebate progress" in body and "Statements" in body, "the partner dashboard shows tier progress and statements")
        check("so far: net hardware + software sales" in body and "to the next tier" in body, "the partner sees this quarter's basis so far and what reaches the next tier")
        marks = driver.find_elements(By.CSS_SELECTOR, "svg line")
        check(len(marks) == 3, "the progress bar carries a mark at each of the three rebate tiers")
        if args.screenshots:
            shot(driver, os.path.join(args.screenshots, "partner-dashboard.png"))
        submit(driver, driver.find_element(By.CSS_SELECTOR, "table a"))
        check("How it was computed" in driver.page_source, "a statement shows how each line was computed")
        for details in driver.find_elements(By.TAG_NAME, "details")[:2]:
            driver.execute_script("arguments[0].open = true", details)
        if args.screenshots:
            shot(driver, os.path.join(args.screenshots, "statement.png"))

        visit(driver, f"{base}/referrals")
        driver.find_element(By.NAME, "customer").send_keys("Selenium Test Pty Ltd")
        driver.find_element(By.NAME, "domain").send_keys("selenium-test.example")
        submit(driver, driver.find_element(By.XPATH, "//button[text()='Register']"))
        check("Referral " in driver.page_source and "Selenium Test Pty Ltd" in driver.page_source, "a referral registered in the form shows its page")
        referral_page = driver.current_url.split("?")[0]

        mdf_walk(driver, base, args.screenshots)
        renewals_walk(driver, base, args.screenshots)
        matching_walk(driver, base, args.screenshots)

        sign_in(driver, base, "admin@demo.channelbook.example")
        visit(driver, f"{base}/sales/upload")
        with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as bad:
            bad.write("line_id,date,source,reseller,customer,sku,category,seats,amount,currency\n")
            bad.write("SEL-1,2026-05-01,D01,R00012,Acme,SW-1001,software,1,12abc,AUD\n")
        driver.find_element(By.NAME, "file").send_keys(bad.name)
        submit(driver, driver.find_element(By.XPATH, "//button[text()='Upload']"))
        page = driver.page_source
        check("amount: &#39;12abc&#39; is not an amount" in page or "amount: '12abc' is not an amount" in page, "an upload with an error shows the error report")
        check("1 problem; nothing was imported" in page, "an upload with an error imports nothing")
        # The mistake fixed, the same file again: imported.
        visit(driver, f"{base}/sales/upload")
        with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as fixed:
            fixed.write("line_id,date,source,reseller,customer,sku,category,seats,amount,currency\n")
            fixed.write("SEL-1,2026-05-01,D01,R00012,Acme,SW-1001,software,1,12.00,AUD\n")
        driver.find_element(By.NAME, "file").send_keys(fixed.name)
        submit(driver, driver.find_element(By.XPATH, "//button[text()='Upload']"))
        check("1 new" in driver.page_source, "the corrected file is imported")

        quarter_end_walk(driver, base, args.screenshots)
        referral_walk(driver, base, referral_page)

        visit(driver, f"{base}/whatif")
        with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "programs", "default.toml")) as default:
            proposed = default.read().replace('mode = "volume"                  # or "graduated"', 'mode = "graduated"')
        with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as program:
            program.write(proposed)
        driver.find_element(By.NAME, "file").send_keys(program.name)
        submit(driver, driver.find_element(By.XPATH, "//button[text()='Run what-if']"))
        total = driver.find_element(By.ID, "whatif-total").text
        check(total.startswith("Total: current $") and "proposed $" in total, "a what-if upload shows the cost, current against proposed")
        check(len(driver.find_elements(By.CSS_SELECTOR, "svg rect")) >= 2, "a what-if draws the cost by quarter")
        if args.screenshots:
            shot(driver, os.path.join(args.screenshots, "whatif.png"))

        analytics_walk(driver, base, args.screenshots)
        sign_in(driver, base, "finance@demo.channelbook.example")
        error_pages(driver, base)
        tour(driver, base, args.screenshots)
    finally:
        driver.quit()
    print(f"browser check passed ({'390x844' if args.phone else '1366x768'}; axe on {len(PAGES_CHECKED)} pages)")


if __name__ == "__main__":
    main()
