"""AWS credentials never show their secret key in a repr (logs, tracebacks, debuggers)."""

from ptpu_adapters.aws.clients import AwsCredentials

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY"


def test_the_secret_access_key_is_not_in_the_repr() -> None:
    credentials = AwsCredentials("AKIAEXAMPLEKEYID", SECRET)

    assert SECRET not in repr(credentials)
    assert SECRET not in str(credentials)
    assert SECRET not in repr({"nested": [credentials]})
    assert "AKIAEXAMPLEKEYID" in repr(credentials)  # the key id helps tell credentials apart


def test_credentials_still_compare_by_both_keys() -> None:
    assert AwsCredentials("id", SECRET) == AwsCredentials("id", SECRET)
    assert AwsCredentials("id", SECRET) != AwsCredentials("id", "another")
