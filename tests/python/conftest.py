"""pytest fixtures: the database comes from the ctest fixture (SSDB, SR_DB_TYPE in the
environment); each test starts from an empty database."""

import os

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
