"""The smallest environment `load_settings` accepts, shared by the settings tests (a module of its own:
`from conftest import ...` resolves to whichever conftest pytest imported last)."""

REQUIRED = {
    "OAUTH_ENDPOINT_URL": "http://auth.local/auth",
    "OAUTH_CLIENT_ID": "ptpu-client",
    "OAUTH_CLIENT_SECRET": "s3cr3t-value",
    "PRISON_ENDPOINT_URL": "http://prison.local",
    "COMMUNITY_ENDPOINT_URL": "http://community.local/",
    "OFFENDER_SEARCH_ENDPOINT_URL": "https://search.local",
    "DYNAMODB_TABLENAME": "messages",
    "DYNAMODB_SCHEDULE_TABLENAME": "schedule",
}
