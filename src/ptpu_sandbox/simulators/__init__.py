"""Simulated HMPPS systems (Auth, prison-api, probation-offender-search, community-api) on loopback,
for the local sandbox and the e2e tests."""

from ptpu_sandbox.simulators.auth import QUEUE_ADMIN_ROLE, REPORT_ROLE, RESYNC_ROLE, AuthSimulator, Client
from ptpu_sandbox.simulators.cluster import SimulatedHmpps
from ptpu_sandbox.simulators.community_api import CommunityApiSimulator
from ptpu_sandbox.simulators.seed import IGNORED, SCENARIOS, Scenario, SnsEvent

__all__ = [
    "IGNORED",
    "QUEUE_ADMIN_ROLE",
    "REPORT_ROLE",
    "RESYNC_ROLE",
    "SCENARIOS",
    "AuthSimulator",
    "Client",
    "CommunityApiSimulator",
    "Scenario",
    "SimulatedHmpps",
    "SnsEvent",
]
