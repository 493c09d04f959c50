"""Integration fixtures shared by every adapter's tests: one AWS emulator (moto server) per session."""

from collections.abc import Iterator

import pytest

from ptpu_sandbox.emulator import MotoEmulator, moto_emulator_session


@pytest.fixture(scope="session")
def aws_emulator() -> Iterator[MotoEmulator]:
    yield from moto_emulator_session()
