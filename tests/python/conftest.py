"""pytest fixtures: the database comes from the ctest fixture (SSDB, SR_DB_TYPE in the
environment); each test starts from an empty database."""

import codecs
import os
import re
import subprocess

import pytest

import insitu


@pytest.fixture(scope="session")
def client():
    return insitu.Client(logger_name="pytest")


@pytest.fixture(autouse=True)
def empty_db(client):
    client.flush_db(client.node_addresses())
    yield


@pytest.fixture
def is_cluster():
    return os.environ.get("SR_DB_TYPE", "Clustered").lower() == "clustered"


def raw_command(*args):
    """A command through redis-cli on the first SSDB node (following cluster redirections),
    independent of the client under test; the reply as a list of byte strings."""
    host, port = os.environ["SSDB"].split(",")[0].rsplit(":", 1)
    cmd = ["redis-cli", "-h", host, "-p", port, "--no-raw"]
    if os.environ.get("SR_DB_TYPE", "Clustered").lower() == "clustered":
        cmd.append("-c")
    out = subprocess.run(cmd + list(args), capture_output=True, check=True, timeout=30).stdout
    values = []
    for line in out.decode("latin-1").splitlines():
        line = re.sub(r"^\s*\d+\) ", "", line)
        if line.startswith('"') and line.endswith('"'):
            values.append(codecs.escape_decode(line[1:-1].encode("latin-1"))[0])
        elif line != "(empty array)":
            values.append(line.encode("latin-1"))
    return values


@pytest.fixture
def redis_cli():
    return raw_command
