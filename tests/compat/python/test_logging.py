"""SmartRedis 0.6.1's logging API (tests/python/test_logging.py of SmartRedis, with the lines it
writes checked): module functions, Client, Dataset and LogContext, levels LLQuiet..LLDeveloper,
SR_LOG_FILE and SR_LOG_LEVEL."""

import re

import pytest
from insitu import *  # noqa: F401,F403  (SmartRedis: from smartredis import *)
from insitu.error import *  # noqa: F401,F403

LEVELS = [LLQuiet, LLInfo, LLDebug, LLDeveloper]
LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (?P<context>[^:]+): (?P<data>.*)$")


def parsed(lines):
    out = []
    for line in lines:
        m = LINE.match(line)
        assert m, f"log line not in the client's format: {line!r}"
        out.append((m["context"], m["data"]))
    return out


def expected_written(message_level, configured):
    """A line is written when its level is at most SR_LOG_LEVEL; QUIET writes nothing."""
    order = {"QUIET": 1, "INFO": 2, "DEBUG": 3, "DEVELOPER": 4}
    return configured != "QUIET" and int(message_level) <= order[configured]


@pytest.mark.parametrize("log_level", LEVELS)
def test_logging_string(use_cluster, context, log_level, log_file, monkeypatch):
    monkeypatch.setenv("SR_LOG_LEVEL", "DEVELOPER")
    log_data(context, log_level, f"This is data logged from a string ({log_level.name})")
    log_warning(context, log_level, f"This is a warning logged from a string ({log_level.name})")
    log_error(context, log_level, f"This is an error logged from a string ({log_level.name})")
    assert parsed(log_file()) == [
        (context, f"This is data logged from a string ({log_level.name})"),
        (context, f"WARNING: This is a warning logged from a string ({log_level.name})"),
        (context, f"ERROR: This is an error logged from a string ({log_level.name})"),
    ]


@pytest.mark.parametrize("log_level", LEVELS)
def test_logging_client(use_cluster, context, log_level, log_file, monkeypatch):
    monkeypatch.setenv("SR_LOG_LEVEL", "DEVELOPER")
    c = Client(None, logger_name=context)
    c.log_data(log_level, f"This is data logged from a client ({log_level.name})")
    c.log_warning(log_level, f"This is a warning logged from a client ({log_level.name})")
    c.log_error(log_level, f"This is an error logged from a client ({log_level.name})")
    mine = [entry for entry in parsed(log_file()) if "logged from a client" in entry[1]]
    assert mine == [
        (context, f"This is data logged from a client ({log_level.name})"),
        (context, f"WARNING: This is a warning logged from a client ({log_level.name})"),
        (context, f"ERROR: This is an error logged from a client ({log_level.name})"),
    ]


@pytest.mark.parametrize("log_level", LEVELS)
def test_logging_dataset(context, log_level, log_file, monkeypatch):
    monkeypatch.setenv("SR_LOG_LEVEL", "DEVELOPER")
    d = Dataset(context)
    d.log_data(log_level, f"This is data logged from a dataset ({log_level.name})")
    d.log_warning(log_level, f"This is a warning logged from a dataset ({log_level.name})")
    d.log_error(log_level, f"This is an error logged from a dataset ({log_level.name})")
    assert parsed(log_file()) == [
        (context, f"This is data logged from a dataset ({log_level.name})"),
        (context, f"WARNING: This is a warning logged from a dataset ({log_level.name})"),
        (context, f"ERROR: This is an error logged from a dataset ({log_level.name})"),
    ]


@pytest.mark.parametrize("log_level", LEVELS)
def test_logging_logcontext(context, log_level, log_file, monkeypatch):
    monkeypatch.setenv("SR_LOG_LEVEL", "DEVELOPER")
    lc = LogContext(context)
    lc.log_data(log_level, f"This is data logged from a logcontext ({log_level.name})")
    lc.log_warning(log_level, f"This is a warning logged from a logcontext ({log_level.name})")
    lc.log_error(log_level, f"This is an error logged from a logcontext ({log_level.name})")
    assert parsed(log_file()) == [
        (context, f"This is data logged from a logcontext ({log_level.name})"),
        (context, f"WARNING: This is a warning logged from a logcontext ({log_level.name})"),
        (context, f"ERROR: This is an error logged from a logcontext ({log_level.name})"),
    ]


@pytest.mark.parametrize("configured", ["QUIET", "info", "Debug", "DEVELOPER", None])
def test_level_filter(configured, log_file, monkeypatch):
    """SR_LOG_LEVEL (case-insensitive, INFO when unset) filters every kind of object alike."""
    if configured is not None:
        monkeypatch.setenv("SR_LOG_LEVEL", configured)
    effective = (configured or "INFO").upper()
    loggers = [("module", lambda lvl, msg: log_data("module", lvl, msg)),
               ("ctx", LogContext("ctx").log_data),
               ("ds", Dataset("ds").log_warning)]
    for _, log in loggers:
        for level in LEVELS:
            log(level, f"at {level.name}")
    written = parsed(log_file())
    expected = []
    for context, _ in loggers:
        prefix = "WARNING: " if context == "ds" else ""
        expected += [(context, f"{prefix}at {lvl.name}") for lvl in LEVELS
                     if expected_written(lvl, effective)]
    assert written == expected
    if effective == "QUIET":
        assert not log_file.path.exists() or log_file.path.read_text() == ""


def test_levels_are_the_enum():
    assert [int(level) for level in LEVELS] == [1, 2, 3, 4]
    assert [level.name for level in LEVELS] == ["LLQuiet", "LLInfo", "LLDebug", "LLDeveloper"]
    assert all(isinstance(level, SRLoggingLevel) for level in LEVELS)
    import insitu.logger
    assert insitu.logger.LLInfo is LLInfo and insitu.logger.log_data is log_data


def test_client_logs_through_its_config_options(tmp_path, log_file, monkeypatch):
    """A client built from ConfigOptions logs where those options say (SR_LOG_FILE override)."""
    monkeypatch.setenv("SR_LOG_LEVEL", "DEBUG")
    other = tmp_path / "other.log"
    cfg = ConfigOptions.create_from_environment("")
    cfg.override_string_option("SR_LOG_FILE", str(other))
    c = Client(cfg, logger_name="configured")
    c.log_data(LLDebug, "to the overridden file")
    assert parsed(other.read_text().splitlines())[-1] == ("configured", "to the overridden file")
    assert all("to the overridden file" not in line for line in log_file())


def test_stdout_when_no_log_file(capfd, monkeypatch):
    monkeypatch.delenv("SR_LOG_FILE", raising=False)
    LogContext("to-stdout").log_error(LLInfo, "visible")
    out = capfd.readouterr().out.splitlines()
    assert parsed(out[-1:]) == [("to-stdout", "ERROR: visible")]


def test_logging_errors(tmp_path, monkeypatch, log_file):
    with pytest.raises(TypeError):
        log_data("ctx", "INFO", "a level must be an SRLoggingLevel")
    with pytest.raises(TypeError):
        LogContext("ctx").log_data(LLInfo, 42)
    with pytest.raises(TypeError):
        Dataset("d").log_warning(2, "an int is not a level")
    with pytest.raises(TypeError):
        LogContext(7)
    monkeypatch.setenv("SR_LOG_LEVEL", "LOUD")
    with pytest.raises(RedisParameterError, match="SR_LOG_LEVEL"):
        log_data("ctx", LLInfo, "bad level")
    monkeypatch.setenv("SR_LOG_LEVEL", "INFO")
    monkeypatch.setenv("SR_LOG_FILE", str(tmp_path / "no-such-dir" / "x.log"))
    with pytest.raises(RedisParameterError, match="no-such-dir"):
        LogContext("ctx").log_warning(LLInfo, "unwritable file")
    assert log_file() == []


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
