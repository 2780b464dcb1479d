"""SmartRedis 0.6.1's logging API (SmartRedis's tests/python/test_logging.py, with the lines it
writes checked): module functions, Client, Dataset and LogContext, levels LLQuiet..LLDeveloper,
SR_LOG_FILE and SR_LOG_LEVEL. As in SmartRedis, the process reads SR_LOG_FILE / SR_LOG_LEVEL once,
so each configuration runs as its own program (only the import changed)."""

import os
import re
import subprocess
import sys
import textwrap

import pytest
from insitu import *  # noqa: F401,F403  (SmartRedis: from smartredis import *)
from insitu.error import *  # noqa: F401,F403

LEVELS = [LLQuiet, LLInfo, LLDebug, LLDeveloper]
LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (?P<context>[^:]+): (?P<data>.*)$")
PROGRAM_HEAD = ("from insitu import *\nfrom insitu.error import *\n"
                "LEVELS = [LLQuiet, LLInfo, LLDebug, LLDeveloper]\n")


def run_program(body, tmp_path, level="DEVELOPER", log_file=True, expect_ok=True):
    """Runs a SmartRedis-style program; returns (log file lines, stdout, stderr)."""
    env = dict(os.environ)
    env.pop("SR_LOG_LEVEL", None)
    env.pop("SR_LOG_FILE", None)
    if level is not None:
        env["SR_LOG_LEVEL"] = level
    path = tmp_path / "smartredis.log"
    if log_file:
        env["SR_LOG_FILE"] = str(path)
    proc = subprocess.run([sys.executable, "-c", PROGRAM_HEAD + textwrap.dedent(body)], env=env,
                          capture_output=True, text=True, timeout=120)
    if expect_ok:
        assert proc.returncode == 0, proc.stderr
    lines = path.read_text().splitlines() if path.exists() else []
    return lines, proc.stdout, proc.stderr


def parsed(lines):
    out = []
    for line in lines:
        m = LINE.match(line)
        assert m, f"log line not in the client's format: {line!r}"
        out.append((m["context"], m["data"]))
    return out


def expected_lines(context, source):
    return [entry for level in LEVELS for entry in (
        (context, f"This is data logged from a {source} ({level.name})"),
        (context, f"WARNING: This is a warning logged from a {source} ({level.name})"),
        (context, f"ERROR: This is an error logged from a {source} ({level.name})"))]


def test_logging_string(context, tmp_path):
    lines, _, _ = run_program(f"""
        for log_level in LEVELS:
            n = log_level.name
            log_data({context!r}, log_level, f"This is data logged from a string ({{n}})")
            log_warning({context!r}, log_level, f"This is a warning logged from a string ({{n}})")
            log_error({context!r}, log_level, f"This is an error logged from a string ({{n}})")
        """, tmp_path)
    assert parsed(lines) == expected_lines(context, "string")


def test_logging_client(context, tmp_path):
    lines, _, _ = run_program(f"""
        c = Client(None, logger_name={context!r})
        for log_level in LEVELS:
            n = log_level.name
            c.log_data(log_level, f"This is data logged from a client ({{n}})")
            c.log_warning(log_level, f"This is a warning logged from a client ({{n}})")
            c.log_error(log_level, f"This is an error logged from a client ({{n}})")
        """, tmp_path)
    mine = [entry for entry in parsed(lines) if "logged from a client" in entry[1]]
    assert mine == expected_lines(context, "client")


def test_logging_dataset(context, tmp_path):
    lines, _, _ = run_program(f"""
        d = Dataset({context!r})
        for log_level in LEVELS:
            n = log_level.name
            d.log_data(log_level, f"This is data logged from a dataset ({{n}})")
            d.log_warning(log_level, f"This is a warning logged from a dataset ({{n}})")
            d.log_error(log_level, f"This is an error logged from a dataset ({{n}})")
        """, tmp_path)
    assert parsed(lines) == expected_lines(context, "dataset")


def test_logging_logcontext(context, tmp_path):
    lines, _, _ = run_program(f"""
        lc = LogContext({context!r})
        for log_level in LEVELS:
            n = log_level.name
            lc.log_data(log_level, f"This is data logged from a logcontext ({{n}})")
            lc.log_warning(log_level, f"This is a warning logged from a logcontext ({{n}})")
            lc.log_error(log_level, f"This is an error logged from a logcontext ({{n}})")
        """, tmp_path)
    assert parsed(lines) == expected_lines(context, "logcontext")


@pytest.mark.parametrize("configured", ["QUIET", "info", "Debug", "DEVELOPER", None])
def test_level_filter(configured, tmp_path):
    """SR_LOG_LEVEL (case-insensitive, INFO when unset): a line is written when its level is at
    most SR_LOG_LEVEL; QUIET writes nothing. Same for every kind of object."""
    lines, _, _ = run_program("""
        for level in LEVELS:
            log_data("module", level, f"at {level.name}")
        for level in LEVELS:
            LogContext("ctx").log_data(level, f"at {level.name}")
        for level in LEVELS:
            Dataset("ds").log_warning(level, f"at {level.name}")
        """, tmp_path, level=configured)
    effective = {"QUIET": 1, "INFO": 2, "DEBUG": 3, "DEVELOPER": 4}[(configured or "INFO").upper()]
    written = [lvl for lvl in LEVELS if effective > 1 and int(lvl) <= effective]
    expected = ([("module", f"at {lvl.name}") for lvl in written]
                + [("ctx", f"at {lvl.name}") for lvl in written]
                + [("ds", f"WARNING: at {lvl.name}") for lvl in written])
    assert parsed(lines) == expected


def test_client_logs_through_its_config_options(tmp_path):
    """A client built from ConfigOptions logs where those options say (SR_LOG_FILE override);
    the free functions keep to the environment's SR_LOG_FILE."""
    other = tmp_path / "other.log"
    lines, _, _ = run_program(f"""
        cfg = ConfigOptions.create_from_environment("")
        cfg.override_string_option("SR_LOG_FILE", {str(other)!r})
        c = Client(cfg, logger_name="configured")
        c.log_data(LLDebug, "to the overridden file")
        log_data("free", LLInfo, "to the environment's file")
        """, tmp_path, level="DEBUG")
    assert ("configured", "to the overridden file") in parsed(other.read_text().splitlines())
    assert parsed(lines) == [("free", "to the environment's file")]


def test_stdout_when_no_log_file(tmp_path):
    _, out, _ = run_program("""
        LogContext("to-stdout").log_error(LLInfo, "visible")
        """, tmp_path, level="INFO", log_file=False)
    assert parsed(out.splitlines()[-1:]) == [("to-stdout", "ERROR: visible")]


def test_configuration_errors(tmp_path):
    """A bad SR_LOG_LEVEL or an unwritable SR_LOG_FILE is an error at the first line."""
    _, out, _ = run_program("""
        try:
            log_data("ctx", LLInfo, "bad level")
        except RedisParameterError as e:
            print("raised:", e)
        """, tmp_path, level="LOUD")
    assert "raised:" in out and "SR_LOG_LEVEL" in out
    bad = tmp_path / "no-such-dir" / "x.log"
    _, out, _ = run_program(f"""
        import os
        os.environ["SR_LOG_FILE"] = {str(bad)!r}
        try:
            LogContext("ctx").log_warning(LLInfo, "unwritable file")
        except RedisParameterError as e:
            print("raised:", e)
        """, tmp_path, level="INFO", log_file=False)
    assert "raised:" in out and "no-such-dir" in out


def test_argument_types():
    with pytest.raises(TypeError):
        log_data("ctx", "INFO", "a level must be an SRLoggingLevel")
    with pytest.raises(TypeError):
        LogContext("ctx").log_data(LLInfo, 42)
    with pytest.raises(TypeError):
        Dataset("d").log_warning(2, "an int is not a level")
    with pytest.raises(TypeError):
        LogContext(7)


def test_levels_are_the_enum():
    assert [int(level) for level in LEVELS] == [1, 2, 3, 4]
    assert [level.name for level in LEVELS] == ["LLQuiet", "LLInfo", "LLDebug", "LLDeveloper"]
    assert all(isinstance(level, SRLoggingLevel) for level in LEVELS)
    import insitu.logger
    assert insitu.logger.LLInfo is LLInfo and insitu.logger.log_data is log_data


def test_srobject_hierarchy(context):
    c = Client(None, logger_name=context)
    assert isinstance(c, SRObject)
    assert isinstance(Dataset("d"), SRObject)
    assert isinstance(LogContext("lc"), SRObject)
    assert isinstance(SRObject("plain"), SRObject)
    assert not isinstance("text", SRObject)
    assert c.get_srobject() is c
    lc = LogContext("lc")
    assert LogContext.from_pybind(lc) is lc and lc.get_context() is lc
