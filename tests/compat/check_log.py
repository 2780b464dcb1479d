"""Checks the log file the compat programs wrote (SR_LOG_FILE, SR_LOG_LEVEL=INFO).

Usage: check_log.py <log file> <program tag>. Every program logs the same lines, with its tag:
INFO and warning/error lines must be there with their context, DEBUG lines must not.
"""
import re
import sys

path, tag = sys.argv[1], sys.argv[2]
with open(path) as f:
    lines = f.read().splitlines()
stamp = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"
expected = [
    (rf"^{stamp} compat_{tag}: client info line$", "client log_data at LLInfo"),
    (rf"^{stamp} compat_{tag}: WARNING: client warning line$", "client log_warning"),
    (rf"^{stamp} compat_{tag}: ERROR: client error line$", "client log_error"),
    (rf"^{stamp} ctx_{tag}: context info line$", "LogContext / free log_data"),
    (rf"^{stamp} ds_{tag}: WARNING: dataset warning line$", "dataset log_warning"),
]
bad = []
for pattern, what in expected:
    if not any(re.match(pattern, l) for l in lines):
        bad.append(f"missing {what}: /{pattern}/")
for l in lines:
    if "debug line" in l:
        bad.append(f"a DEBUG line was written at SR_LOG_LEVEL=INFO: {l!r}")
if bad:
    print("\n".join(bad))
    print("--- log ---")
    print("\n".join(lines))
    sys.exit(1)
print(f"{path}: {len(lines)} lines, all expected lines present")
