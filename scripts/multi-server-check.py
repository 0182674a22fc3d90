#!/usr/bin/env python3
"""Three `channelbook serve` processes on one PostgreSQL, driven at once (CI runs this).

    scripts/multi-server-check.py BINARY POSTGRES_SERVER_URL

Creates a database, starts three servers on loopback ports, and at all three at the same moment: uploads
sales files (each file twice, at two different servers), closes the quarter, registers referrals (each
customer from three servers), then approves and pays from all three. Then it checks, against the
database and against a clean single-process run of the same files, that no line, statement, fee or audit
row was lost or doubled, and that a session opened on one server works on the others.
Standard library only. Exits non-zero with what went wrong.
"""
import concurrent.futures
import http.cookiejar
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

BINARY, SERVER_URL = sys.argv[1], sys.argv[2]
WORK = tempfile.mkdtemp(prefix="cb-multi-")
QUARTER = "2026Q1"
PASSWORD = "multi server secret 1"
FAILURES = []


def check(condition, message):
    print(("ok   " if condition else "FAIL ") + message, flush=True)
    if not condition:
        FAILURES.append(message)


def database_url(name):
    parts = urllib.parse.urlsplit(SERVER_URL)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))


def cli(*args, url, stdin=None):
    result = subprocess.run([BINARY, *args, "--database-url", url], input=stdin, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"channelbook {' '.join(args)} failed: {result.stderr}")
    return result.stdout


def psql_value(url, query):
    """One value through the CLI-free route: psql is part of the PostgreSQL package CI installs."""
    out = subprocess.run(["psql", url, "-tAc", query], capture_output=True, text=True, check=True).stdout.strip()
    return out


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    """A signed-in person: cookies, and the CSRF token pages carry."""

    def __init__(self, base):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect())

    def request(self, method, path, data=None, headers=None):
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=headers or {})
        try:
            with self.opener.open(req, timeout=300) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def sign_in(self, email):
        self.request("GET", "/login")
        csrf = next(c.value for c in self.jar if c.name == "cb_login_csrf")
        body = urllib.parse.urlencode({"email": email, "password": PASSWORD, "csrf": csrf}).encode()
        status, _ = self.request("POST", "/login", body, {"Content-Type": "application/x-www-form-urlencoded"})
        if status != 303:
            raise SystemExit(f"sign-in of {email} at {self.base} answered {status}")

    def use_session_of(self, other, base):
        """The same session cookie, sent to another server."""
        clone = Browser(base)
        for cookie in other.jar:
            clone.jar.set_cookie(cookie)
        return clone

    def csrf(self):
        _, page = self.request("GET", "/sales/upload")
        match = re.search(r'(?:name="csrf" value="|/sales/upload\?csrf=)([0-9a-f]+)', page)
        if not match:
            raise SystemExit(f"no CSRF token on {self.base}/sales/upload")
        return match.group(1)

    def post_form(self, path, fields):
        body = urllib.parse.urlencode(fields).encode()
        return self.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})

    def upload(self, name, content, csrf):
        boundary = uuid.uuid4().hex
        body = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n{csrf}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\nContent-Type: text/csv\r\n\r\n'
        ).encode() + content + f"\r\n--{boundary}--\r\n".encode()
        # The CSRF token travels outside the body, as the form's action URL carries it: checked before the body is read.
        return self.request("POST", "/sales/upload", body, {"Content-Type": f"multipart/form-data; boundary={boundary}", "X-CSRF-Token": csrf})


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def prepare(url, files):
    cli("init", url=url)
    cli("import", "partners", files["partners"], url=url)
    cli("import", "pricebook", files["pricebook"], url=url)


def main():
    name = "cb_multi_" + uuid.uuid4().hex[:10]
    clean = name + "_clean"
    admin = database_url("postgres")
    for db in (name, clean):
        psql_value(admin, f"CREATE DATABASE {db}")
    url, clean_url = database_url(name), database_url(clean)
    servers = []
    try:
        data = os.path.join(WORK, "data")
        subprocess.run([BINARY, "generate", "--partners", "60", "--lines", "12000", "--quarters", QUARTER, "--out", data], check=True, capture_output=True)
        files = {kind: os.path.join(data, f"{kind}.csv") for kind in ("partners", "pricebook", "sales")}
        prepare(url, files)
        for email, role in (("admin@multi.example", "admin"), ("finance@multi.example", "finance")):
            cli("user", "add", email, "--role", role, "--password-stdin", url=url, stdin=PASSWORD + "\n")

        # The generated year's lines in 6 files of the quarter under test (others are dropped: one quarter is enough).
        with open(files["sales"], "rb") as f:
            header, *lines = f.read().splitlines(keepends=True)
        quarter_lines = [line for line in lines if re.match(rb"[^,]*,2026-0[123]-", line)]
        chunks = [header + b"".join(quarter_lines[i::6]) for i in range(6)]
        check(len(quarter_lines) > 3000, f"{len(quarter_lines)} lines in {QUARTER} to upload")

        ports = [free_port() for _ in range(3)]
        for port in ports:
            log = open(os.path.join(WORK, f"serve-{port}.log"), "w")
            servers.append(subprocess.Popen([BINARY, "serve", "--port", str(port), "--connections", "4", "--database-url", url], stdout=log, stderr=log))
        for port in ports:
            for _ in range(240):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
                    break
                except Exception:
                    time.sleep(0.25)
            else:
                raise SystemExit(f"server on port {port} did not start")
        bases = [f"http://127.0.0.1:{port}" for port in ports]

        # One sign-in, used at every server.
        first = Browser(bases[0])
        first.sign_in("admin@multi.example")
        admins = [first.use_session_of(first, base) for base in bases]
        csrf = admins[0].csrf()
        check(all(a.csrf() == csrf for a in admins), "a session opened on one server works on all three")

        with concurrent.futures.ThreadPoolExecutor(max_workers=24) as pool:
            # Every file twice, at two different servers, all at once.
            uploads = [pool.submit(admins[(i + k) % 3].upload, f"sales-{i}.csv", chunk, csrf) for i, chunk in enumerate(chunks) for k in (0, 1)]
            # Referrals: each customer registered from all three servers at the same moment.
            registrations = [
                pool.submit(admins[k].post_form, "/referrals", {"csrf": csrf, "partner": "R00001", "customer": f"Harbour Customer {c}", "domain": f"harbour{c}.example", "seats": "10"})
                for c in range(8) for k in range(3)
            ]
            upload_status = [f.result()[0] for f in uploads]
            registration_status = [f.result()[0] for f in registrations]
        check(upload_status.count(200) == 12, f"all 12 uploads answered 200 (got {sorted(upload_status)})")
        check(registration_status.count(303) == 8, f"8 of 24 registrations accepted, the rest refused as duplicates (got {sorted(registration_status)})")
        check(all(s in (303, 400) for s in registration_status), "duplicate registrations are refused with 400, never 500")

        with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
            closes = [f.result()[0] for f in [pool.submit(a.post_form, f"/quarters/{QUARTER}/close", {"csrf": csrf}) for a in admins]]
        check(closes == [303, 303, 303], f"three closes at once all succeed (got {closes})")

        finance = Browser(bases[1])
        finance.sign_in("finance@multi.example")
        financers = [finance.use_session_of(finance, base) for base in bases]
        # Finance cannot upload, so take its CSRF token from the quarter page's approve form.
        _, page = financers[0].request("GET", f"/quarters/{QUARTER}")
        fcsrf = re.search(r'(?:name="csrf" value="|/sales/upload\?csrf=)([0-9a-f]+)', page).group(1)
        # Approving is confirmed on a page that shows what will be approved; its digest goes back with the confirmation.
        _, confirmation = financers[0].request("GET", f"/quarters/{QUARTER}/approve")
        shown = re.search(r'name="shown" value="([0-9a-f]{64})"', confirmation).group(1)
        approve = {"csrf": fcsrf, "confirm": "yes", "shown": shown}
        with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
            approvals = [f.result()[0] for f in [pool.submit(f.post_form, f"/quarters/{QUARTER}/approve", approve) for f in financers]]
        check(sorted(approvals) == [303, 400, 400], f"three approvals at once: one approves, two are told there is nothing left (got {approvals})")

        # Payment from three CLI processes at once, beside the servers: one pays, two are told there is nothing to pay.
        payers = [subprocess.Popen([BINARY, "payouts", "mark-paid", QUARTER, "--reference", f"EFT-{k}", "--database-url", url],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for k in range(3)]
        paid_codes = sorted(p.wait(timeout=120) for p in payers)
        check(paid_codes.count(0) == 1, f"three payments at once: exactly one pays (exit codes {paid_codes})")
        references = psql_value(url, f"SELECT COUNT(DISTINCT payment_reference) FROM statements WHERE quarter = '{QUARTER}' AND status = 'paid' AND payment_reference LIKE 'EFT-%'")
        check(references == "1", "every paid statement carries the one winning payment reference")
        paid_rows = int(psql_value(url, "SELECT COUNT(*) FROM audit_log WHERE action = 'mark paid'"))
        paid_statements = int(psql_value(url, "SELECT COUNT(*) FROM statements WHERE status = 'paid' AND payment_reference LIKE 'EFT-%'"))
        check(paid_rows == paid_statements and paid_rows > 0, f"{paid_statements} statements paid, each audited once ({paid_rows})")

        # The database: every line once, totals equal to lines, one audit row per change.
        stored = int(psql_value(url, "SELECT COUNT(*) FROM sales_lines"))
        check(stored == len(quarter_lines), f"{stored} lines stored of {len(quarter_lines)} uploaded (each file twice)")
        check(
            psql_value(url, "SELECT SUM(amount_minor) FROM sales_lines") == psql_value(url, "SELECT SUM(amount_minor) FROM sales_totals"),
            "totals equal the lines")
        check(int(psql_value(url, "SELECT COUNT(*) FROM audit_log WHERE action = 'import sales'")) == 12, "12 uploads audited once each")
        statements = int(psql_value(url, f"SELECT COUNT(*) FROM statements WHERE quarter = '{QUARTER}' AND status <> 'void'"))
        approved_rows = int(psql_value(url, "SELECT COUNT(*) FROM audit_log WHERE action = 'approve statement'"))
        check(statements > 0 and approved_rows == statements, f"{statements} statements, each approved once in the audit log ({approved_rows})")
        check(int(psql_value(url, "SELECT COUNT(*) FROM referral_registrations")) == 8, "8 referral registrations")
        check(int(psql_value(url, "SELECT COUNT(*) FROM referral_duplicate_attempts")) == 16, "16 duplicate attempts recorded")

        # A clean run of the same files, one process, one at a time: the same statements.
        prepare(clean_url, files)
        for i, chunk in enumerate(chunks):
            path = os.path.join(WORK, f"sales-{i}.csv")
            with open(path, "wb") as f:
                f.write(chunk)
            cli("import", "sales", path, url=clean_url)
        cli("close", QUARTER, url=clean_url)
        cli("approve", QUARTER, url=clean_url)
        winner = psql_value(url, "SELECT MIN(payment_reference) FROM statements WHERE payment_reference LIKE 'EFT-%'")
        cli("payouts", "mark-paid", QUARTER, "--reference", winner, url=clean_url)
        concurrent_statements = cli("statements", QUARTER, url=url)
        clean_statements = cli("statements", QUARTER, url=clean_url)
        check(concurrent_statements == clean_statements, "statements equal a clean single-process run of the same files")
        check(cli("rebates", QUARTER, url=url) == cli("rebates", QUARTER, url=clean_url), "rebates equal the clean run")
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
        if FAILURES:
            for port_log in os.listdir(WORK):
                if port_log.startswith("serve-"):
                    print(f"--- {port_log}\n" + open(os.path.join(WORK, port_log)).read()[-3000:])
        for db in (name, clean):
            subprocess.run(["psql", database_url("postgres"), "-tAc", f"DROP DATABASE IF EXISTS {db} WITH (FORCE)"], capture_output=True)
        shutil.rmtree(WORK, ignore_errors=True)
    print(f"multi-server check: {len(FAILURES)} failed")
    sys.exit(1 if FAILURES else 0)


if __name__ == "__main__":
    main()
