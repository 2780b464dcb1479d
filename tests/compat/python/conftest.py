"""Fixtures for programs written against SmartRedis 0.6.1 / SmartSim 0.8 with only the import
changed. The database comes from the ctest fixture (SSDB and SR_DB_TYPE in the environment);
each test starts from an empty database."""

import os

import pytest

import insitu as smartredis


@pytest.fixture(scope="session")
def use_cluster():
    """SmartRedis's test-suite fixture: whether SSDB is a cluster."""
    return os.environ.get("SR_DB_TYPE", "Clustered").lower() == "clustered"


@pytest.fixture(scope="session")
def admin(use_cluster):
    return smartredis.Client(None, logger_name="compat-admin")


@pytest.fixture(autouse=True)
def empty_db(admin, monkeypatch):
    admin.flush_db(admin.node_addresses())
    # Client(cluster, address) writes SSDB, as SmartRedis does: restored after each test.
    monkeypatch.setenv("SSDB", os.environ["SSDB"])
    yield


@pytest.fixture
def context(request):
    """SmartRedis's test-suite fixture: a logging context named after the test."""
    return request.node.name

