"""HTTP clients for the upstream APIs (SPEC §4): prison-api, community-api, offender search, HMPPS Auth."""
