#!/usr/bin/env python3
"""An example client of Channelbook's JSON API (Sources/ChannelbookAPI/openapi.yaml), and a CI check: one partner's
quarter end to end, with nothing but Python's standard library.

    python3 scripts/api-client-check.py BASE_URL ADMIN_TOKEN FINANCE_TOKEN PARTNER_TOKEN

Tokens come from `channelbook token create EMAIL`: an admin's, a finance login's and a partner's (a reseller).
Against the demo (`channelbook demo`) it:

  1. asks who the partner token belongs to (GET /api/v1/me) and checks that no token at all is a 401;
  2. picks the latest ended quarter in which that partner's statement is not yet approved or paid, and the partner's
     usual route to market from the sales report (its distributor, or DIRECT for a national reseller);
  3. uploads a sales file with a bad line (refused whole: 400, every problem as FILE:LINE: field: why), then the good
     file, then the good file again (its lines are counted as already present, not imported twice);
  4. closes the quarter (admin; a partner's token is answered 404), approves the partner's statement (finance), sends
     the same approval again with the same Idempotency-Key (the first answer is replayed, nothing happens twice),
     exports the payouts and marks them paid (finance);
  5. reads the partner's statement with the partner's own token: paid, every line explained.

Every POST carries an Idempotency-Key (a fresh UUID), as a client that retries after a lost answer should. Line ids,
file names and the payment reference hold a per-run id, so running it again on the same database takes the next
quarter back and passes again. Prints one line per step; exits 1 with the reason on the first check that fails.
"""
import argparse
import datetime
import json
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid

HEADER = "line_id,date,source,reseller,customer,sku,category,seats,amount,currency"
# Two software lines from the demo's price book (software: no maintenance contract, so no renewal is created), their
# amounts at list price; 32,312.50 AUD in all, over the program's first rebate tier (5 % from 30,000.00).
LINES = [("SW-1003", "software", 250, "24607.50"), ("SW-1009", "software", 100, "7705.00")]
CURRENCY = "AUD"
QUARTERS_BACK = 12  # how far back to look for a quarter this partner has not settled yet


class CheckFailed(Exception):
    pass


class Answer:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            raise CheckFailed(f"the answer ({self.status}) is not JSON: {self.body[:200]!r}")


class Client:
    def __init__(self, base):
        self.base = base.rstrip("/")

    def call(self, method, path, token=None, query=None, body=None, content_type=None, key=None):
        """One request; `key` is the Idempotency-Key (a POST without one gets a fresh one). HTTP errors are answers too."""
        url = self.base + path + ("?" + urllib.parse.urlencode(query) if query else "")
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if method == "POST":
            headers["Idempotency-Key"] = key or str(uuid.uuid4())
        if body is not None:
            headers["Content-Type"] = content_type
        request = urllib.request.Request(url, data=body, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=300) as response:
                return Answer(response.status, response.headers, response.read())
        except urllib.error.HTTPError as error:
            return Answer(error.code, error.headers, error.read())
        except urllib.error.URLError as error:
            raise CheckFailed(f"{method} {url}: {error.reason}")

    def post_json(self, path, token, document, key=None):
        return self.call("POST", path, token, body=json.dumps(document).encode(), content_type="application/json", key=key)


def expect(answer, status, what):
    """The answer's JSON when its status is `status`; otherwise a failure quoting the API's error."""
    if answer.status != status:
        detail = answer.body.decode(errors="replace").strip()
        try:
            error = json.loads(answer.body)
            detail = f"{error.get('code')}: {error.get('error')}" + "".join(f"\n    {p}" for p in error.get("problems", []))
        except (ValueError, AttributeError):
            pass
        raise CheckFailed(f"{what}: expected HTTP {status}, got {answer.status} ({detail})")
    return answer.json()


def require(condition, message):
    if not condition:
        raise CheckFailed(message)


def ok(step, message):
    print(f"ok  {step}: {message}", flush=True)


def quarter_name(year, number):
    return f"{year}Q{number}"


def previous(year, number):
    return (year - 1, 4) if number == 1 else (year, number - 1)


def last_ended_quarter(today):
    return previous(today.year, (today.month - 1) // 3 + 1)


def sales_csv(lines):
    return (HEADER + "\n" + "".join(",".join(str(field) for field in line) + "\n" for line in lines)).encode()


def run(client, admin, finance, partner_token):
    run_id = uuid.uuid4().hex[:8]

    # 1. Who the partner token is; and a request without any token.
    answer = client.call("GET", "/api/v1/me")
    error = expect(answer, 401, "GET /api/v1/me without a token")
    require(error.get("code") == "unauthorized", f"without a token: code {error.get('code')!r}, expected 'unauthorized'")
    ok("no token", f"401 {error['code']}: {error.get('error')}")
    me = expect(client.call("GET", "/api/v1/me", partner_token), 200, "GET /api/v1/me as the partner")
    partner = me.get("partner")
    require(me.get("role") == "partner" and partner, f"the partner token is not a partner's login: {me}")
    ok("me", f"{me['email']} is partner {partner}")

    # 2. The quarter: the latest that has ended in which the partner's statement is neither approved nor paid.
    quarter, year_number, status = None, last_ended_quarter(datetime.date.today()), None
    for _ in range(QUARTERS_BACK):
        name = quarter_name(*year_number)
        answer = client.call("GET", f"/api/v1/statements/{name}/{partner}", partner_token)
        if answer.status == 404:
            quarter, status = name, "no statement yet"
            break
        statement = expect(answer, 200, f"GET /api/v1/statements/{name}/{partner}")
        if statement["status"] == "draft":
            quarter, status = name, f"draft {statement['reference']}"
            break
        year_number = previous(*year_number)
    require(quarter, f"{partner} has settled statements in each of the last {QUARTERS_BACK} quarters: nothing left to close")
    year, number = year_number
    ok("quarter", f"{quarter} ({partner}: {status})")

    # The partner's route to market, from the sales report: where most of its lines come from (a distributor's code,
    # or DIRECT for a national reseller). Sold any other way, a line would be a route exception.
    first = (year - 1, number)
    last = last_ended_quarter(datetime.date.today())
    report = expect(
        client.call("GET", "/api/v1/reports/sales", admin,
                    query={"quarters": f"{quarter_name(*first)}..{quarter_name(*last)}", "by": "reseller,distributor"}),
        200, "GET /api/v1/reports/sales")
    sources = {}
    for row in report.get("rows", []):
        if row.get("reseller") == partner:
            sources[row["distributor"]] = sources.get(row["distributor"], 0) + row["lines"]
    require(sources, f"the sales report has no line of {partner} in {quarter_name(*first)}..{quarter_name(*last)}: its route is unknown")
    source = max(sorted(sources), key=lambda code: sources[code])
    ok("route", f"{partner} is sold through {source} ({sources[source]} of its {sum(sources.values())} recent lines)")

    # 3. Upload: a file with a bad line is refused whole; the good file imports; sent again, nothing is new.
    day = f"{year}-{3 * number - 1:02d}-15"
    good = [(f"APICHECK-{run_id}-{index}", day, source, partner, "API Check Customer Pty Ltd", sku, category, seats, amount, CURRENCY)
            for index, (sku, category, seats, amount) in enumerate(LINES, start=1)]
    bad_name = f"api-check-{run_id}-bad.csv"
    bad_line = (f"APICHECK-{run_id}-0", "2025-02-30") + good[0][2:]
    answer = client.call("POST", "/api/v1/sales", admin, query={"fileName": bad_name}, body=sales_csv([bad_line] + good), content_type="text/csv")
    error = expect(answer, 400, "uploading a file with a bad date")
    problems = error.get("problems") or []
    require(error.get("code") == "bad_request", f"refused file: code {error.get('code')!r}, expected 'bad_request'")
    require(problems and all(p.startswith(f"{bad_name}:2: ") for p in problems),
            f"refused file: expected problems naming {bad_name}:2, got {problems}")
    require("nothing was imported" in error.get("error", ""), f"refused file: {error.get('error')!r} does not say nothing was imported")
    ok("upload refused", f"{problems[0]} ({error['error']})")

    good_name = f"api-check-{run_id}.csv"
    summary = expect(client.call("POST", "/api/v1/sales", admin, query={"fileName": good_name}, body=sales_csv(good), content_type="text/csv"),
                     200, "uploading the good file")
    expected = {"lines": 2, "new": 2, "present": 0, "parked": 0, "routeExceptions": 0}
    require(all(summary.get(field) == value for field, value in expected.items()), f"upload: expected {expected}, got {summary}")
    ok("upload", summary["summary"])
    summary = expect(client.call("POST", "/api/v1/sales", admin, query={"fileName": good_name}, body=sales_csv(good), content_type="text/csv"),
                     200, "uploading the good file again (another Idempotency-Key)")
    require(summary.get("new") == 0 and summary.get("present") == 2, f"upload again: expected 0 new and 2 present, got {summary}")
    ok("upload again", summary["summary"])

    # 4. The quarter's end: close (a partner may not: 404, as if it did not exist), approve, replay, payouts, paid.
    error = expect(client.call("POST", f"/api/v1/quarters/{quarter}/close", partner_token), 404, f"closing {quarter} with the partner's token")
    require(error.get("code") == "not_found", f"partner closing: code {error.get('code')!r}, expected 'not_found'")
    ok("partner may not close", f"404 {error['code']}")
    closed = expect(client.call("POST", f"/api/v1/quarters/{quarter}/close", admin), 200, f"closing {quarter}")
    require(closed.get("quarter") == quarter and closed.get("draftStatements", 0) >= 1, f"close: expected draft statements of {quarter}, got {closed}")
    ok("close", closed["summary"])

    approve_path, approve_query, approve_key = f"/api/v1/quarters/{quarter}/approve", {"partner": partner}, str(uuid.uuid4())
    first_answer = client.call("POST", approve_path, finance, query=approve_query, key=approve_key)
    approved = expect(first_answer, 200, f"approving {partner}'s {quarter} statement")
    require(len(approved) == 1 and approved[0].get("partner") == partner and approved[0].get("status") == "approved",
            f"approve: expected {partner}'s statement alone, approved, got {approved}")
    statement = approved[0]
    require(first_answer.headers.get("Idempotent-Replayed") is None, "approve: the first answer says it was replayed")
    ok("approve", f"{statement['reference']} approved, total {statement['total']} {statement['currency']}")

    replay = client.call("POST", approve_path, finance, query=approve_query, key=approve_key)
    expect(replay, 200, "approving again with the same Idempotency-Key")
    require(replay.headers.get("Idempotent-Replayed") == "true",
            f"replay: expected header Idempotent-Replayed: true, got {replay.headers.get('Idempotent-Replayed')!r}")
    require(replay.body == first_answer.body, "replay: the body differs from the first answer's")
    ok("approve replayed", "same key, same body, Idempotent-Replayed: true")

    error = expect(client.call("POST", f"/api/v1/quarters/{quarter}/payouts", finance, key=approve_key), 409,
                   "the approval's Idempotency-Key on another request")
    require(error.get("code") == "idempotency_key_reused", f"key reused: code {error.get('code')!r}, expected 'idempotency_key_reused'")
    ok("key reused", f"409 {error['code']}")

    payouts = expect(client.call("POST", f"/api/v1/quarters/{quarter}/payouts", finance), 200, f"exporting {quarter}'s payouts")
    mine = [row for row in payouts.get("rows", []) if row.get("partner") == partner]
    require(len(mine) == 1 and mine[0].get("statementReference") == statement["reference"] and mine[0].get("amount") == statement["total"],
            f"payouts: expected {statement['reference']} for {statement['total']}, got {mine}")
    ok("payouts", f"{len(payouts['rows'])} payout(s) totalling {payouts['total']} {payouts['currency']}, {partner}'s {mine[0]['amount']}")

    reference = f"API-CHECK-{run_id}"
    paid = expect(client.post_json(f"/api/v1/quarters/{quarter}/mark-paid", finance, {"reference": reference}), 200, f"marking {quarter} paid")
    require(any(s.get("reference") == statement["reference"] and s.get("status") == "paid" for s in paid),
            f"mark paid: {statement['reference']} is not among the statements paid: {[s.get('reference') for s in paid]}")
    ok("mark paid", f"{len(paid)} statement(s) paid as {reference}")

    # 5. What the partner sees.
    seen = expect(client.call("GET", f"/api/v1/statements/{quarter}/{partner}", partner_token), 200, f"{partner} reading its {quarter} statement")
    lines = seen.get("lines", [])
    require(seen.get("status") == "paid" and seen.get("reference") == statement["reference"],
            f"statement: expected {statement['reference']} paid, got {seen.get('reference')} {seen.get('status')}")
    require(lines and all(isinstance(line.get("explanation"), list) and line["explanation"]
                          and all(isinstance(text, str) for text in line["explanation"]) for line in lines),
            f"statement: every line needs an explanation (a list of sentences): {lines}")
    require(any(line.get("kind") == "rebate" and line.get("forQuarter") == quarter for line in lines), f"statement: no rebate line for {quarter}: {lines}")
    ok("statement", f"{partner} sees {seen['reference']} paid, {seen['total']} {seen['currency']}, {len(lines)} line(s), each explained")


def main():
    parser = argparse.ArgumentParser(description="Drives Channelbook's JSON API through one partner's quarter end (standard library only).")
    parser.add_argument("base_url", metavar="BASE_URL", help="the server, such as http://127.0.0.1:8080")
    parser.add_argument("admin_token", metavar="ADMIN_TOKEN", help="an admin login's API token")
    parser.add_argument("finance_token", metavar="FINANCE_TOKEN", help="a finance login's API token")
    parser.add_argument("partner_token", metavar="PARTNER_TOKEN", help="a reseller partner login's API token")
    args = parser.parse_args()
    try:
        run(Client(args.base_url), args.admin_token, args.finance_token, args.partner_token)
    except CheckFailed as failure:
        print(f"FAILED: {failure}", file=sys.stderr)
        sys.exit(1)
    print("API client check passed")


if __name__ == "__main__":
    main()
