#!/usr/bin/env python3
"""Runs CTS suite binaries one process per test, classifies each test and compares the
results with the expected-results list. Called by scripts/test-cts.sh, which sets up the
ICD loader (OCL_ICD_VENDORS) and builds the binaries; see tests/cts/README.md.

A test is Pass, Fail, Skip (the CTS reports it unsupported/skipped), Timeout (killed after
--timeout seconds) or Crash (killed by a signal without saying whether it passed). The
harness's own JSON results file (CL_CONFORMANCE_RESULTS_FILENAME) says pass/fail/skip.
"""
import argparse
import concurrent.futures
import json
import os
import re
import signal
import subprocess
import sys
import time

FAILING = ("Fail", "Crash", "Timeout")
WIMPY_SUITES = ("conversions", "math_brute_force")


def exe_of(suite):
    return "test_bruteforce" if suite == "math_brute_force" else "test_" + suite


def list_tests(bindir, suite):
    """The suite's test names, from `<binary> --list` (one name a line, tab-indented)."""
    exe = os.path.join(bindir, suite, exe_of(suite))
    if not os.access(exe, os.X_OK):
        sys.exit(f"test-cts: no binary {exe}")
    p = subprocess.run([exe, "--list"], cwd=os.path.dirname(exe), capture_output=True,
                       text=True, timeout=120)
    names = [l.strip() for l in p.stdout.splitlines() if l.startswith("\t") and l.strip()]
    if p.returncode != 0 or not names:
        sys.exit(f"test-cts: `{exe} --list` gave no test names (rc {p.returncode}):\n"
                 + (p.stdout + p.stderr)[-2000:])
    return sorted(set(names))


IGNORED_REASON = re.compile(
    r"^(FAILED \d+ of \d+|\S+ FAILED$|FAILED test\.?$|Saving results|FAILED$)")
REASON = re.compile(r"error|fail|mismatch|wrong|invalid|unexpected|does not|assert|abort"
                    r"|panick|segmentation", re.I)


def short(line):
    """One line, without absolute paths (their last component stays), the CTS's source
    locations or an ERROR: prefix, at most 110 chars."""
    line = re.sub(r"(?:/[^/\s:()]+)+/([^/\s:()]+)", r"\1", line)
    line = re.sub(r" (?:from|in) [\w.]+\.cpp:\d+\)", ")", line)
    line = re.sub(r"^(CL )?ERROR: ", "", line)
    return re.sub(r"\s+", " ", line).strip()[:110]


def first_error(text, test):
    """A short reason: the first compiler error for a build failure, else the first line of
    the log that looks like an error."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("Build log for device"):
            for l in lines[i + 1:i + 40]:
                m = re.search(r"error: (.*)", l)
                if m:
                    msg = m.group(1)
                    w = re.search(r"WGSL generated for this program does not parse \(error: (.*)", msg)
                    if w:
                        msg = "generated WGSL does not parse: " + w.group(1)
                    return short("build fails: " + msg)
    for i, line in enumerate(lines):
        line = line.strip()
        m = re.match(r"thread '.*' \(\d+\) panicked at (\S+?):\d+:$", line)
        if m:   # a Rust panic: its message is on the next line
            return short(f"panic at {m.group(1)}: " + (lines[i + 1] if i + 1 < len(lines) else ""))
        if line.endswith("..."):   # progress lines ("<test>...", "Testing x...")
            continue
        if line and not line.startswith("$ ") and REASON.search(line) \
                and not IGNORED_REASON.match(line):
            if line.endswith(test + " FAILED") and line != test + " FAILED":
                line = line[:-len(test + " FAILED")]   # glued to an unterminated message
            return short(line)
    return ""


def run_test(args, suite, test):
    exe = os.path.join(args.bin, suite, exe_of(suite))
    logdir = os.path.join(args.logs, suite)
    log = os.path.join(logdir, test + ".log")
    jsonf = os.path.join(logdir, test + ".json")
    for f in (jsonf,):
        if os.path.exists(f):
            os.remove(f)
    cmd = [exe] + (["-w"] if args.mode == "ci" and suite in WIMPY_SUITES else []) + [test]
    env = dict(os.environ, CL_CONFORMANCE_RESULTS_FILENAME=jsonf)
    start = time.monotonic()
    with open(log, "w") as out:
        out.write("$ " + " ".join(cmd) + "\n")
        out.flush()
        p = subprocess.Popen(cmd, cwd=os.path.dirname(exe), stdout=out, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, env=env, start_new_session=True)
        try:
            rc = p.wait(timeout=args.timeout)
            timed_out = False
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            rc = p.wait()
            timed_out = True
    secs = time.monotonic() - start
    with open(log, errors="replace") as f:
        text = f.read()
    verdict = None
    try:
        with open(jsonf) as f:
            verdict = json.load(f).get("results", {}).get(test)
    except (OSError, ValueError):
        pass
    if timed_out:
        status = "Timeout"
    elif rc < 0 or rc >= 128:
        status = "Crash"          # killed by a signal (the JSON is written at the end, if ever)
    elif verdict == "pass" and rc == 0:
        status = "Pass"
    elif verdict == "skip" and rc == 0:
        status = "Skip"
    elif verdict is None and rc == 0:
        status = "Fail"           # exited 0 without recording a result: never counted a pass
    else:
        status = "Fail"
    with open(log, "a") as out:
        out.write(f"\n# wgcl-cts: {status} (exit {rc}, {secs:.1f} s)\n")
    reason = "" if status in ("Pass", "Skip") else (
        f"timeout after {args.timeout} s" if status == "Timeout" else first_error(text, test))
    if status == "Crash" and not reason:
        reason = f"killed by signal {-rc if rc < 0 else rc - 128}"
    return suite, test, status, secs, reason


def read_expected(path):
    """{ 'suite/test': (status, reason, line number) }"""
    expected = {}
    if not os.path.exists(path):
        return expected
    with open(path) as f:
        for n, raw in enumerate(f, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            m = re.match(r"^(\S+/\S+)\s+(Fail|Crash|Timeout)\s+#\s*(\S.*)$", line)
            if not m:
                sys.exit(f"test-cts: {path}:{n}: want `suite/test  Fail|Crash|Timeout  # reason`")
            if m.group(1) in expected:
                sys.exit(f"test-cts: {path}:{n}: {m.group(1)} listed twice")
            expected[m.group(1)] = (m.group(2), m.group(3), n)
    return expected


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--logs", required=True)
    ap.add_argument("--suites", required=True)
    ap.add_argument("--mode", choices=("ci", "full"), default="ci")
    ap.add_argument("--timeout", type=int, default=300)
    ap.add_argument("--jobs", type=int, default=os.cpu_count())
    ap.add_argument("--expected", required=True)
    ap.add_argument("--results", default="")
    ap.add_argument("--filter", default="")
    ap.add_argument("--lib", default="")
    args = ap.parse_args()
    suites = args.suites.split()
    filt = re.compile(args.filter) if args.filter else None

    expected = read_expected(args.expected)
    work, known, not_run = [], set(), []
    for s in suites:
        os.makedirs(os.path.join(args.logs, s), exist_ok=True)
        for t in list_tests(args.bin, s):
            known.add(f"{s}/{t}")
            if filt is not None and not filt.search(f"{s}/{t}"):
                continue
            if args.mode == "ci" and expected.get(f"{s}/{t}", ("",))[0] == "Timeout":
                not_run.append(f"{s}/{t}")   # would only spend the time cap: full mode runs it
                continue
            work.append((s, t))

    if not_run:
        print(f"CTS: not running {len(not_run)} tests listed as Timeout (WGCL_CTS_MODE=full runs them)")
    print(f"CTS: {len(work)} tests of {' '.join(suites)} ({args.mode} mode, {args.jobs} at once, "
          f"{args.timeout} s cap) on {args.lib}", flush=True)
    start = time.monotonic()
    results = {}
    left = {s: sum(1 for w in work if w[0] == s) for s in suites}
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futs = [pool.submit(run_test, args, s, t) for s, t in work]
        for fut in concurrent.futures.as_completed(futs):
            s, t, status, secs, reason = fut.result()
            results[f"{s}/{t}"] = (status, secs, reason)
            left[s] -= 1
            if left[s] == 0:
                n = sum(1 for k in results if k.startswith(s + "/"))
                print(f"  {s}: {n} tests done", flush=True)
    wall = time.monotonic() - start

    # Per-test record (sorted: deterministic) and a suggested list for updating the baseline.
    with open(os.path.join(args.logs, "results.txt"), "w") as f:
        for k in sorted(results):
            st, secs, reason = results[k]
            f.write(f"{k}\t{st}\t{secs:.1f}\t{reason}\n")
    with open(os.path.join(args.logs, "expected-fails.suggested.txt"), "w") as f:
        suite = None
        for k in sorted(results):
            st, _, reason = results[k]
            if st in FAILING:
                if k.split("/")[0] != suite:
                    suite = k.split("/")[0]
                    f.write(f"\n# {suite}\n")
                old = expected.get(k)
                f.write(f"{k}  {st}  # {old[1] if old and old[0] == st else reason or 'no output'}\n")

    # Table.
    cols = ("Pass", "Fail", "Skip", "Timeout", "Crash")
    lines = [f"{'suite':<24}{'pass':>6}{'fail':>6}{'skip':>6}{'timeout':>8}{'crash':>6}{'total':>7}"
             f"{'time(s)':>9}"]
    tot = {c: 0 for c in cols}
    tot_time = 0.0
    for s in suites:
        rs = [v for k, v in results.items() if k.startswith(s + "/")]
        c = {x: sum(1 for r in rs if r[0] == x) for x in cols}
        t = sum(r[1] for r in rs)
        tot_time += t
        for x in cols:
            tot[x] += c[x]
        lines.append(f"{s:<24}{c['Pass']:>6}{c['Fail']:>6}{c['Skip']:>6}{c['Timeout']:>8}"
                     f"{c['Crash']:>6}{len(rs):>7}{t:>9.0f}")
    lines.append(f"{'total':<24}{tot['Pass']:>6}{tot['Fail']:>6}{tot['Skip']:>6}{tot['Timeout']:>8}"
                 f"{tot['Crash']:>6}{len(results):>7}{tot_time:>9.0f}")
    lines.append(f"(time: sum of the tests' wall times; the run took {wall:.0f} s with "
                 f"{args.jobs} at once)")
    if not_run:
        lines.append(f"(not run: {len(not_run)} tests listed as Timeout, ci mode)")
    table = "\n".join(lines)
    print(table)
    if args.results:
        with open(args.results, "w") as f:
            f.write(f"# CTS results: {args.mode} mode, {args.timeout} s cap per test, {args.lib}\n")
            f.write(table + "\n")

    # Comparison with the expected list.
    problems, notes = [], []
    for k in sorted(results):
        st, _, reason = results[k]
        exp = expected.get(k)
        if st in FAILING and exp is None:
            problems.append(f"NEW {st.upper()}: {k}  # {reason}  (log: {args.logs}/{k}.log)")
        elif st in FAILING and exp[0] != st and "Timeout" in (st, exp[0]):
            # Near the time cap a test can fail or time out depending on the machine's load:
            # said, not counted (it still does not pass, which is what the list is for).
            notes.append(f"note: {k} is {st}, listed as {exp[0]} (line {exp[2]})")
        elif st in FAILING and exp[0] != st:
            problems.append(f"CHANGED: {k} is {st}, listed as {exp[0]} "
                            f"(line {exp[2]}: update it)  # {reason}")
        elif st not in FAILING and exp is not None:
            problems.append(f"UNEXPECTED {'PASS' if st == 'Pass' else 'SKIP'}: {k}: "
                            f"remove line {exp[2]} of the expected list")
    ran_suites = set(suites)
    for k, exp in sorted(expected.items()):
        s = k.split("/", 1)[0]
        if s in ran_suites and k not in known:
            problems.append(f"STALE: {k} (line {exp[2]}) is no test of {s}: remove the line")
    failed = tot["Fail"] + tot["Timeout"] + tot["Crash"]
    shown = os.path.relpath(args.expected)
    shown = args.expected if shown.startswith("..") else shown
    for p in notes + problems:
        print(p)
    print(f"{tot['Pass']} passed, {failed} failed, {tot['Skip']} skipped; "
          f"{len(problems)} differ from {shown}"
          + (f" (suggested list: {args.logs}/expected-fails.suggested.txt)" if problems else ""))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
