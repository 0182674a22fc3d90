#!/usr/bin/env python3
"""SIGKILL at random moments: an import, a close, an approval and an upload through `serve`.

    scripts/crash-check.py BINARY POSTGRES_SERVER_URL [--rounds N] [--seed S] [--only sqlite|postgres] [--keep]

For each database (temporary SQLite files; fresh PostgreSQL databases created on the given server with
CREATE DATABASE ... TEMPLATE and dropped at the end) it builds one starting ledger: the article's program,
partners, price book, closed referrals and a first sales file for 2026Q1, closed and approved, an admin login
and a signed-in session (stored in the database, so every copy carries it). The sequence under test is

    1. import sales B        (late 2026Q1 lines for the approved quarter, and 2026Q2's lines)
    2. close 2026Q2          (true-ups of the approved 2026Q1 as adjustments on the 2026Q2 drafts)
    3. approve 2026Q2

A clean reference run of it records the database's fingerprint (sales lines, per-quarter totals, the late lines
explanations list, statements and their lines, rebates, referral fees, closes, ledger version) before and after
every step. Then, N times each for `import sales B`, `close 2026Q2`, `approve 2026Q2` (CLI processes) and the
upload of B to `/sales/upload` (there the `serve` process is the one killed), it starts the step on a copy of
the state before it, sends SIGKILL after a random delay within the step's typical clean duration (anywhere in
even rounds, in its last 40 % -- the commit -- in odd ones), and checks

    - B's lines are in the ledger all or none (line count and amount sum before vs after);
    - every per-quarter total (`sales_totals`, per segment) equals the SUM of its sales lines, row for row;
    - the audit log holds exactly what was committed (an `import sales` row per `imports` row, an
      `approve statement` row per approved statement);
    - the whole fingerprint is either the one before the step or the one after it (nothing half-done), and an
      upload answered 200 before the kill is in the ledger;
    - after running the step again to completion (for the upload: the server restarted and the file uploaded
      again) the fingerprint equals the clean run's after that step, and after the rest of the sequence the
      final fingerprint and `channelbook statements 2026Q2` equal the clean run's.

One line per round, a summary, exit 1 with every violated invariant (--keep keeps the failed rounds' databases).
Standard library only, plus `psql`. The binary is copied first, so a rebuild during the run changes nothing.
"""
import argparse
import http.client
import os
import random
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid

Q1, Q2 = "2026Q1", "2026Q2"
PASSWORD = "crash check secret 1"
ADMIN = "admin@crash.example"
STEPS = ["import", "close", "approve"]  # the sequence under test; "upload" is step 1 through `serve`


class Failure(Exception):
    pass


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("binary")
    parser.add_argument("postgres_url", help="a PostgreSQL server URL (its database is used to create and drop others)")
    parser.add_argument("--rounds", type=int, default=20, help="kills per operation and database (default 20)")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: random, printed)")
    parser.add_argument("--only", choices=["sqlite", "postgres"], help="one database only")
    parser.add_argument("--partners", type=int, default=1000)
    # Sizes chosen so that importing B (about 60 % of the lines) takes about a second on a debug build.
    parser.add_argument("--sqlite-lines", type=int, default=24000)
    parser.add_argument("--postgres-lines", type=int, default=6000)
    parser.add_argument("--keep", action="store_true", help="keep the work folder and databases of a failed round")
    return parser.parse_args()


ARGS = parse_args()
SEED = ARGS.seed if ARGS.seed is not None else random.SystemRandom().randrange(1 << 31)
RNG = random.Random(SEED)
WORK = tempfile.mkdtemp(prefix="cb-crash-")
TAG = "crash_" + uuid.uuid4().hex[:8]
SERVE_TMP = os.path.join(WORK, "serve-tmp")
# The binary under test, copied: a rebuild while the check runs must not mix two versions in one comparison.
BINARY = os.path.join(WORK, "channelbook")
try:
    shutil.copy2(os.path.abspath(ARGS.binary), BINARY)
except OSError as error:
    shutil.rmtree(WORK, ignore_errors=True)
    sys.exit(f"crash check: cannot copy the binary {ARGS.binary}: {error}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------------------------------- databases


class SQLiteTarget:
    kind = "sqlite"

    def __init__(self, path):
        self.path = path

    def args(self):
        return ["--db", self.path]

    def copy_to(self, name):
        dest = os.path.join(WORK, name + ".sqlite")
        for suffix in ("", "-wal", "-shm", "-journal"):
            if os.path.exists(dest + suffix):
                os.remove(dest + suffix)
        shutil.copyfile(self.path, dest)
        if os.path.exists(self.path + "-wal"):
            shutil.copyfile(self.path + "-wal", dest + "-wal")
        return SQLiteTarget(dest)

    def queries(self, statements):
        """Each statement's rows (tuples of strings), read in one transaction."""
        connection = sqlite3.connect(self.path, timeout=60)
        try:
            connection.execute("BEGIN")
            out = [[tuple("" if v is None else str(v) for v in row) for row in connection.execute(sql)] for sql in statements]
            connection.execute("COMMIT")
            return out
        finally:
            connection.close()

    def settle(self):
        return None

    def drop(self):
        for suffix in ("", "-wal", "-shm", "-journal"):
            if os.path.exists(self.path + suffix):
                os.remove(self.path + suffix)


def psql(url, *commands, check=True):
    result = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", url, "-tA", "-F", "\t", *[a for c in commands for a in ("-c", c)]],
                            capture_output=True, text=True)
    if check and result.returncode != 0:
        raise Failure(f"psql failed: {result.stderr.strip()}")
    return result.stdout


def database_url(server_url, name):
    parts = urllib.parse.urlsplit(server_url)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))


class PostgresTarget:
    kind = "postgres"
    created = []

    def __init__(self, name, create=True, template=None):
        self.name = name
        self.url = database_url(ARGS.postgres_url, name)
        if create:
            psql(database_url(ARGS.postgres_url, "postgres"), f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
            PostgresTarget.created.append(name)

    def args(self):
        return ["--database-url", self.url]

    def copy_to(self, name):
        return PostgresTarget(f"{TAG}_{name}", template=self.name)

    def queries(self, statements):
        marker = "@@next@@"
        commands = ["BEGIN ISOLATION LEVEL REPEATABLE READ"]
        for sql in statements:
            commands += [sql, f"SELECT '{marker}'"]
        commands.append("COMMIT")
        out = psql(self.url, *commands)
        chunks, current = [], []
        for line in out.split("\n"):
            if line == marker:
                chunks.append(current)
                current = []
            elif line != "":
                current.append(tuple(line.split("\t")))
        return chunks

    def settle(self):
        """Waits for the backends of a killed client to go away; returns how long that took, or raises."""
        start = time.monotonic()
        admin = database_url(ARGS.postgres_url, "postgres")
        while True:
            left = psql(admin, f"SELECT COUNT(*) FROM pg_stat_activity WHERE datname = '{self.name}' AND pid <> pg_backend_pid()").strip()
            if left == "0":
                return time.monotonic() - start
            if time.monotonic() - start > 30:
                raise Failure(f"{left} backend(s) of the killed process still hold {self.name} 30 s later")
            time.sleep(0.05)

    def drop(self):
        psql(database_url(ARGS.postgres_url, "postgres"), f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)", check=False)
        if self.name in PostgresTarget.created:
            PostgresTarget.created.remove(self.name)


# ------------------------------------------------------------------------------------------- the ledger


def cli(target, *args, stdin=None, check=True):
    result = subprocess.run([BINARY, *args, *target.args()], input=stdin, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise Failure(f"channelbook {' '.join(args)} failed ({result.returncode}): {result.stderr.strip()}")
    return result


FINGERPRINT = {
    "sales lines (count, sum, route exceptions)":
        "SELECT COUNT(*), COALESCE(SUM(amount_minor), 0), COUNT(route_exception) FROM sales_lines",
    # Totals are kept per segment too, by the built-in program's segments (the one this check runs): written out here
    # independently of the product's rule.
    "sales lines grouped as totals":
        "SELECT reseller_id, quarter, category, source, segment, SUM(amount_minor), COUNT(*) FROM (SELECT *, "
        "CASE WHEN seats = 0 THEN 'adjustment' WHEN abs(seats) >= 501 THEN 'enterprise' WHEN abs(seats) >= 2 THEN 'smb' ELSE 'single' END "
        "AS segment FROM sales_lines) AS l GROUP BY reseller_id, quarter, category, source, segment "
        "ORDER BY reseller_id, quarter, category, source, segment",
    "sales_totals":
        "SELECT reseller_id, quarter, category, source, segment, amount_minor, line_count FROM sales_totals "
        "ORDER BY reseller_id, quarter, category, source, segment",
    # The late lines an explanation lists: those recorded by the import that stored the line. (Importing a stored
    # file again records its late lines again under the new import; explanations leave those out, by design.)
    "late lines explained":
        "SELECT l.source, l.line_id, l.reseller_id, l.quarter FROM late_sales_lines l JOIN sales_lines s "
        "ON s.source = l.source AND s.line_id = l.line_id AND s.import_id = l.import_id ORDER BY l.source, l.line_id",
    "statements":
        "SELECT s.reference, p.code, s.quarter, s.status, s.total_minor, s.computed_version, "
        "(SELECT COUNT(*) FROM statement_lines l WHERE l.statement_id = s.id) "
        "FROM statements s JOIN partners p ON p.id = s.partner_id ORDER BY s.reference",
    "statement lines":
        "SELECT s.reference, l.position, l.kind, l.for_quarter, l.amount_minor, l.description, l.explanation, "
        "COALESCE(o.reference, '') FROM statement_lines l JOIN statements s ON s.id = l.statement_id "
        "LEFT JOIN statements o ON o.id = l.source_statement_id ORDER BY s.reference, l.position",
    "quarter_rebates":
        "SELECT r.quarter, p.code, r.tier, r.basis_minor, r.rate_bps, r.rebate_minor, r.explanation FROM quarter_rebates r "
        "JOIN partners p ON p.id = r.partner_id ORDER BY r.quarter, p.code",
    "quarter_referral_fees":
        "SELECT f.quarter, f.referral_id, p.code, f.seats, f.price_minor, f.rate_bps, f.fee_minor FROM quarter_referral_fees f "
        "JOIN partners p ON p.id = f.partner_id ORDER BY f.quarter, f.referral_id",
    "quarter_closes":
        "SELECT quarter, program_version_id FROM quarter_closes ORDER BY quarter",
    "ledger_version":
        "SELECT version FROM ledger_version",
}
# Consistency of the audit log with what it describes (not part of the fingerprint: reruns add audit rows).
AUDIT = {
    "import sales audited / imports": "SELECT (SELECT COUNT(*) FROM audit_log WHERE action = 'import sales'), (SELECT COUNT(*) FROM imports WHERE kind = 'sales')",
    "approvals audited / approved": "SELECT (SELECT COUNT(*) FROM audit_log WHERE action = 'approve statement'), "
                                    "(SELECT COUNT(*) FROM statements WHERE status IN ('approved', 'paid'))",
}


def fingerprint(target):
    names = list(FINGERPRINT) + list(AUDIT)
    rows = target.queries([FINGERPRINT[n] for n in FINGERPRINT] + [AUDIT[n] for n in AUDIT])
    state = dict(zip(names, rows))
    # A true-up's explanation names the import a late line came in ("(import 5)"): an internal id. On PostgreSQL a
    # killed import still used up its identity value (sequences are not transactional), so the rerun's import is
    # number 6 where the clean run's was 5. Same line, same import file, same amounts: the number is masked.
    state["statement lines"] = [tuple(re.sub(r"\(import \d+\)", "(import #)", v) for v in row) for row in state["statement lines"]]
    audit = {n: state.pop(n) for n in AUDIT}
    return state, audit


def describe_difference(a, b):
    for name in FINGERPRINT:
        if a[name] != b[name]:
            extra = [str(r)[:300] for r in b[name] if r not in set(a[name])][:3]
            missing = [str(r)[:300] for r in a[name] if r not in set(b[name])][:3]
            return f"{name} differ ({len(a[name])} vs {len(b[name])} rows; e.g. only in the first {missing}, only in the second {extra})"
    return "no difference"


def invariants(state, audit, before, after, lines_in_file):
    """The checks after a kill. Returns 'before' or 'after' (which state the kill left), raises on a violation."""
    count, total, _ = (int(v) for v in state["sales lines (count, sum, route exceptions)"][0])
    count0, total0, _ = (int(v) for v in before["sales lines (count, sum, route exceptions)"][0])
    count1, total1, _ = (int(v) for v in after["sales lines (count, sum, route exceptions)"][0])
    if (count, total) not in ((count0, total0), (count1, total1)):
        raise Failure(f"sales lines are neither none nor all of the file: {count - count0} of {lines_in_file} lines stored "
                      f"(sum {total}, expected {total0} or {total1})")
    if state["sales lines grouped as totals"] != state["sales_totals"]:
        bad = [r for r in state["sales_totals"] if r not in set(state["sales lines grouped as totals"])][:3]
        raise Failure(f"sales_totals differ from SUM over sales_lines (e.g. {bad})")
    for name, rows in audit.items():
        a, b = rows[0]
        if a != b:
            raise Failure(f"audit log out of step with the data: {name} = {a} / {b}")
    if state == before:
        return "before"
    if state == after:
        return "after"
    raise Failure("the state after the kill is neither the one before the step nor the one after it: "
                  f"vs before: {describe_difference(before, state)}; vs after: {describe_difference(after, state)}")


def statements_output(target):
    """What `channelbook statements` says of the quarter the sequence drafts and approves (2026Q1's statements are
    compared through the fingerprint)."""
    return cli(target, "statements", Q2, "--format", "csv").stdout


def step_args(step, files):
    return {"import": ["import", "sales", files["b"]], "close": ["close", Q2], "approve": ["approve", Q2]}[step] + ["--actor", "crash-check"]


def run_step(target, step, files):
    return cli(target, *step_args(step, files))


# ------------------------------------------------------------------------------------------------- serve


class Server:
    def __init__(self, target, log_name):
        self.port = free_port()
        self.log = open(os.path.join(WORK, log_name), "ab")
        # Its own temporary folder, to see what a killed server leaves behind there (the upload it was streaming).
        os.makedirs(SERVE_TMP, exist_ok=True)
        self.process = subprocess.Popen([BINARY, "serve", "--port", str(self.port), "--connections", "4", *target.args()],
                                        stdout=self.log, stderr=self.log, env={**os.environ, "TMPDIR": SERVE_TMP})
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _, _ = self.request("GET", "/healthz", timeout=2)
                if status == 200:
                    break
            except OSError:
                pass
            if self.process.poll() is not None:
                raise Failure(f"serve exited with {self.process.returncode} on start (log {self.log.name})")
            if time.monotonic() > deadline:
                raise Failure("serve did not answer /healthz within 60 s")
            time.sleep(0.02)

    def request(self, method, path, body=None, headers=None, timeout=120):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.getheaders(), response.read().decode(errors="replace")
        finally:
            connection.close()

    def kill(self):
        self.process.kill()
        self.process.wait()
        self.log.close()

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def sign_in(server):
    """An admin session and its CSRF token (the session is stored in the database, so copies carry it)."""
    _, headers, _ = server.request("GET", "/login")
    login_csrf = next(re.search(r"cb_login_csrf=([^;]+)", v).group(1) for k, v in headers if k.lower() == "set-cookie" and "cb_login_csrf=" in v)
    body = urllib.parse.urlencode({"email": ADMIN, "password": PASSWORD, "csrf": login_csrf})
    status, headers, _ = server.request("POST", "/login", body, {"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"cb_login_csrf={login_csrf}"})
    if status != 303:
        raise Failure(f"sign-in answered {status}")
    session = next(re.search(r"cb_session=([^;]+)", v).group(1) for k, v in headers if k.lower() == "set-cookie" and "cb_session=" in v)
    _, _, page = server.request("GET", "/sales/upload", headers={"Cookie": f"cb_session={session}"})
    csrf = re.search(r'(?:name="csrf" value="|/sales/upload\?csrf=)([0-9a-f]+)', page)
    if not csrf:
        raise Failure("no CSRF token on /sales/upload")
    return session, csrf.group(1)


def upload(server, session, csrf, content, timeout=300):
    boundary = uuid.uuid4().hex
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n{csrf}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="sales-b.csv"\r\nContent-Type: text/csv\r\n\r\n'
    ).encode() + content + f"\r\n--{boundary}--\r\n".encode()
    status, _, page = server.request("POST", "/sales/upload", body, {
        "Content-Type": f"multipart/form-data; boundary={boundary}", "Cookie": f"cb_session={session}", "X-CSRF-Token": csrf}, timeout=timeout)
    return status, page


# --------------------------------------------------------------------------------------- one database kind


def build_data(lines):
    folder = os.path.join(WORK, f"data-{lines}")
    if os.path.isdir(folder):
        return files_in(folder)
    subprocess.run([BINARY, "generate", "--partners", str(ARGS.partners), "--lines", str(lines), "--quarters", f"{Q1},{Q2}",
                    "--out", folder], check=True, capture_output=True)
    with open(os.path.join(folder, "sales.csv"), "rb") as f:
        header, *rows = f.read().splitlines(keepends=True)
    # A: four fifths of 2026Q1. B: the last fifth of 2026Q1 (late lines for the approved quarter) and 2026Q2.
    a, b = [], []
    for i, row in enumerate(rows):
        in_q1 = re.match(rb"[^,]*,2026-0[123]-", row) is not None
        (a if in_q1 and i % 5 else b).append(row)
    with open(os.path.join(folder, "a.csv"), "wb") as f:
        f.write(header + b"".join(a))
    with open(os.path.join(folder, "b.csv"), "wb") as f:
        f.write(header + b"".join(b))
    return files_in(folder)


def files_in(folder):
    files = {k: os.path.join(folder, f"{k}.csv") for k in ("partners", "pricebook", "referrals", "a", "b")}
    with open(files["b"], "rb") as f:
        files["b_content"] = f.read()
    files["b_lines"] = files["b_content"].count(b"\n") - 1
    return files


def kill_delay(duration, index):
    """Anywhere in the clean run's duration in even rounds; near its end (the commit) in odd ones."""
    return duration * (RNG.uniform(0.02, 1.0) if index % 2 == 0 else RNG.uniform(0.6, 1.0))


def timed(fn):
    start = time.monotonic()
    result = fn()
    return time.monotonic() - start, result


class Kind:
    def __init__(self, kind):
        self.kind = kind
        self.failures = []
        self.outcomes = {}
        self.rounds_run = 0
        self.leftovers = 0

    def make(self, name):
        if self.kind == "sqlite":
            return SQLiteTarget(os.path.join(WORK, name + ".sqlite"))
        return PostgresTarget(f"{TAG}_{name}")

    def prepare(self):
        lines = ARGS.sqlite_lines if self.kind == "sqlite" else ARGS.postgres_lines
        self.files = build_data(lines)
        start = self.make("s0")
        cli(start, "init")
        for kind in ("partners", "pricebook", "referrals"):
            cli(start, "import", kind, self.files[kind])
        cli(start, "import", "sales", self.files["a"])
        cli(start, "close", Q1)
        cli(start, "approve", Q1)
        cli(start, "user", "add", ADMIN, "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n")
        server = Server(start, f"{self.kind}-prepare.log")
        try:
            self.session, self.csrf = sign_in(server)
        finally:
            server.stop()
        # The clean reference run, with a snapshot of the state before every step and timings of each.
        self.snapshots = [start]
        self.states = [fingerprint(start)[0]]
        self.samples = {}
        reference = start.copy_to("reference")
        for k, step in enumerate(STEPS):
            self.samples[step] = [timed(lambda: run_step(reference, step, self.files))[0]]
            self.states.append(fingerprint(reference)[0])
            if k + 1 < len(STEPS):
                self.snapshots.append(reference.copy_to(f"s{k + 1}"))
        self.final_statements = statements_output(reference)
        reference.drop()
        if self.states[1] == self.states[0] or self.states[2] == self.states[1] or self.states[3] == self.states[2]:
            raise Failure("a step of the clean run changed nothing: the check would prove nothing")
        # Typical durations: first from three clean runs of each step (the reference run and two more), then also from
        # every full rerun after a kill, so that the kill moments follow the machine's load (see `duration`).
        for k, step in enumerate(STEPS):
            for _ in range(2):
                copy = self.snapshots[k].copy_to("timing")
                self.samples[step].append(timed(lambda: run_step(copy, step, self.files))[0])
                copy.drop()
        copy = self.snapshots[0].copy_to("timing")
        server = Server(copy, f"{self.kind}-timing.log")
        try:
            duration, (status, page) = timed(lambda: upload(server, self.session, self.csrf, self.files["b_content"]))
            if status != 200:
                raise Failure(f"a clean upload answered {status}: {page[-500:]}")
        finally:
            server.stop()
        if fingerprint(copy)[0] != self.states[1]:
            raise Failure("a clean upload through serve left another state than `import sales`: "
                          + describe_difference(self.states[1], fingerprint(copy)[0]))
        copy.drop()
        self.samples["upload"] = [duration]
        print(f"[{self.kind}] B = {self.files['b_lines']} lines; clean durations: "
              + ", ".join(f"{s} {self.duration(s):.2f} s" for s in self.samples), flush=True)

    def duration(self, op):
        """The operation's typical duration: the median of its last five clean runs."""
        recent = sorted(self.samples[op][-5:])
        return recent[len(recent) // 2]

    def finish_sequence(self, target, after_step, label):
        """Runs the steps after `after_step` and compares the final state and statements with the clean run."""
        for step in STEPS[after_step + 1:]:
            run_step(target, step, self.files)
        state, _ = fingerprint(target)
        if state != self.states[-1]:
            raise Failure(f"{label}: the final state differs from the clean run: {describe_difference(self.states[-1], state)}")
        if statements_output(target) != self.final_statements:
            raise Failure(f"{label}: `channelbook statements` differs from the clean run")

    def cli_round(self, step, index):
        k = STEPS.index(step)
        target = self.snapshots[k].copy_to("round")
        keep = False
        try:
            typical = self.duration(step)
            delay = kill_delay(typical, index)
            start = time.monotonic()
            process = subprocess.Popen([BINARY, *step_args(step, self.files), *target.args()], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            time.sleep(max(0.0, delay - (time.monotonic() - start)))
            exited = process.poll() is not None
            if not exited:
                process.kill()
            out, err = process.communicate()
            if exited and process.returncode != 0:
                raise Failure(f"the step failed on its own ({process.returncode}): {err.decode().strip()}")
            settle = target.settle()
            state, audit = fingerprint(target)
            left = invariants(state, audit, self.states[k], self.states[k + 1], self.files["b_lines"])
            rerun_time, rerun = timed(lambda: cli(target, *step_args(step, self.files), check=False))
            if left == "before" and rerun.returncode == 0:
                self.samples[step].append(rerun_time)
            if rerun.returncode != 0:
                already = step == "approve" and left == "after" and "no draft statement to approve" in rerun.stderr
                if not already:
                    raise Failure(f"running {step} again after the kill failed ({rerun.returncode}): {rerun.stderr.strip()}")
            state, audit = fingerprint(target)
            if state != self.states[k + 1]:
                raise Failure(f"after running {step} again the state differs from the clean run: {describe_difference(self.states[k + 1], state)}")
            self.finish_sequence(target, k, step)
            what = "exited before the kill" if exited else f"killed at {delay:.3f} s"
            self.record(step, index, f"{what} of {typical:.2f} s -> state {left}"
                        + (f" (backends gone in {settle:.2f} s)" if settle else "") + "; rerun ok; final = clean run", exited, left)
        except Failure as failure:
            keep = ARGS.keep
            self.fail(step, index, str(failure), target if keep else None)
        finally:
            if not keep:
                target.drop()

    def upload_round(self, index):
        target = self.snapshots[0].copy_to("round")
        keep = False
        server = None
        try:
            server = Server(target, f"{self.kind}-round-{index}.log")
            typical = self.duration("upload")
            delay = kill_delay(typical, index)
            answer = {}

            def send():
                try:
                    answer["status"] = upload(server, self.session, self.csrf, self.files["b_content"])[0]
                except (OSError, http.client.HTTPException) as error:
                    answer["error"] = type(error).__name__

            thread = threading.Thread(target=send)
            thread.start()
            time.sleep(delay)
            server.kill()
            thread.join(timeout=60)
            server = None
            # A killed server leaves its private upload folder (channelbook-uploads-PID) behind; the next server
            # to start must remove it. Count the files in it, then check the restart swept it.
            abandoned = [name for name in os.listdir(SERVE_TMP) if name.startswith("channelbook-uploads-")]
            leftovers = [f for name in abandoned for f in os.listdir(os.path.join(SERVE_TMP, name))]
            self.leftovers += len(leftovers)
            exited = "status" in answer
            if exited and answer["status"] != 200:
                raise Failure(f"the upload answered {answer['status']} before the kill")
            settle = target.settle()
            state, audit = fingerprint(target)
            left = invariants(state, audit, self.states[0], self.states[1], self.files["b_lines"])
            if exited and left != "after":
                raise Failure("the upload was answered 200 but its lines are not in the ledger after the server was killed")
            server = Server(target, f"{self.kind}-round-{index}.log")
            unswept = [name for name in abandoned if os.path.exists(os.path.join(SERVE_TMP, name))]
            if unswept:
                raise Failure(f"the restarted server did not remove the killed server's upload folder(s) {unswept}")
            upload_time, (status, page) = timed(lambda: upload(server, self.session, self.csrf, self.files["b_content"]))
            if left == "before" and status == 200:
                self.samples["upload"].append(upload_time)
            if status != 200:
                raise Failure(f"the upload after the restart answered {status}: {re.sub(r'<[^>]+>', ' ', page)[-400:]}")
            server.stop()
            server = None
            state, audit = fingerprint(target)
            if state != self.states[1]:
                raise Failure(f"after uploading again the state differs from the clean run: {describe_difference(self.states[1], state)}")
            self.finish_sequence(target, 0, "upload")
            what = "answered before the kill" if exited else f"server killed at {delay:.3f} s"
            self.record("upload", index, f"{what} of {typical:.2f} s ({answer.get('error', 'answered')}) -> state {left}"
                        + (f", {len(leftovers)} temporary upload file(s) left behind" if leftovers else "")
                        + (f" (backends gone in {settle:.2f} s)" if settle else "") + "; restart, re-upload ok; final = clean run", exited, left)
        except Failure as failure:
            if server is not None:
                server.kill()
                server = None
            keep = ARGS.keep
            self.fail("upload", index, str(failure), target if keep else None)
        finally:
            if server is not None:
                server.kill()
            if not keep:
                target.drop()

    def record(self, op, index, message, exited, left):
        self.rounds_run += 1
        key = (op, "finished before the kill" if exited else f"killed, state {left}")
        self.outcomes[key] = self.outcomes.get(key, 0) + 1
        print(f"ok   [{self.kind:8}] {op:7} {index + 1:3}/{ARGS.rounds}: {message}", flush=True)

    def fail(self, op, index, message, kept):
        self.rounds_run += 1
        self.failures.append(f"[{self.kind}] {op} round {index + 1}: {message}")
        where = ""
        if kept is not None:
            # A kept database gets its own name, so that the next round's copy does not overwrite it.
            if self.kind == "sqlite":
                for suffix in ("", "-wal", "-shm"):
                    if os.path.exists(kept.path + suffix):
                        os.rename(kept.path + suffix, kept.path + f".failed-{op}-{index + 1}" + suffix)
                where = f" (kept: {kept.path}.failed-{op}-{index + 1})"
            else:
                PostgresTarget.created.remove(kept.name)
                renamed = f"{kept.name}_failed_{op}_{index + 1}"
                try:
                    psql(database_url(ARGS.postgres_url, "postgres"), f"ALTER DATABASE {kept.name} RENAME TO {renamed}")
                except Failure:
                    renamed = kept.name
                where = f" (kept: {database_url(ARGS.postgres_url, renamed)})"
        print(f"FAIL [{self.kind:8}] {op:7} {index + 1:3}/{ARGS.rounds}: {message}{where}", flush=True)

    def run(self):
        for step in STEPS:
            for index in range(ARGS.rounds):
                self.cli_round(step, index)
        for index in range(ARGS.rounds):
            self.upload_round(index)

    def cleanup(self):
        for snapshot in getattr(self, "snapshots", []):
            snapshot.drop()


def main():
    print(f"crash check: {ARGS.rounds} rounds per operation, seed {SEED} (rerun with --seed {SEED}), work folder {WORK}", flush=True)
    kinds = [k for k in ("sqlite", "postgres") if ARGS.only in (None, k)]
    started = time.monotonic()
    results = []
    try:
        for name in kinds:
            kind = Kind(name)
            results.append(kind)
            kind_start = time.monotonic()
            try:
                kind.prepare()
                kind.run()
            except Failure as failure:
                kind.failures.append(f"[{name}] setting up: {failure}")
                print(f"FAIL [{name}] {failure}", flush=True)
            finally:
                kind.cleanup()
            kind.elapsed = time.monotonic() - kind_start
    finally:
        for name in list(PostgresTarget.created):
            psql(database_url(ARGS.postgres_url, "postgres"), f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", check=False)
        failures = [f for k in results for f in k.failures]
        if failures and ARGS.keep:
            print(f"kept the work folder {WORK}")
        else:
            shutil.rmtree(WORK, ignore_errors=True)
    print("\nsummary")
    for kind in results:
        print(f"  {kind.kind}: {kind.rounds_run} rounds, {len(kind.failures)} failed, {getattr(kind, 'elapsed', 0):.0f} s")
        for (op, outcome), n in sorted(kind.outcomes.items()):
            print(f"    {op:8} {outcome:26} {n}")
        if kind.leftovers:
            print(f"    note: killed servers left {kind.leftovers} temporary upload file(s) in their private folders; "
                  "each was removed when the next server started")
    print(f"  total {time.monotonic() - started:.0f} s, seed {SEED}")
    if failures:
        print(f"\ncrash check FAILED: {len(failures)} violated invariant(s):")
        for failure in failures:
            print("  " + failure)
        sys.exit(1)
    print("crash check passed")


if __name__ == "__main__":
    main()
