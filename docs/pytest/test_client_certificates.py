"""What a team's first tests look like on the fixtures in conftest.py."""

import pytest
from botocore.exceptions import ClientError


def test_a_certificate_is_generated_then_renamed(namespace):
    api = namespace.client()
    made = api.generate_client_certificate(description="demo")

    renamed = api.update_client_certificate(
        clientCertificateId=made["clientCertificateId"],
        patchOperations=[{"op": "replace", "path": "/description", "value": "renamed"}],
    )

    assert renamed["description"] == "renamed"


def test_each_test_starts_in_an_empty_namespace_of_its_own(namespace):
    assert namespace.client().get_client_certificates()["items"] == []


def test_boto3_retries_through_two_503s(namespace):
    api = namespace.client(max_attempts=3)
    made = api.generate_client_certificate(description="flaky")
    namespace.add_fault(
        {
            "operations": ["GetClientCertificate"],
            "action": {"error": {"type": "ServiceUnavailableException"}},
            "when": {"next": 2},
        }
    )

    read = api.get_client_certificate(clientCertificateId=made["clientCertificateId"])

    assert read["ResponseMetadata"]["RetryAttempts"] == 2


def test_without_retries_the_fault_reaches_the_caller(namespace):
    api = namespace.client(max_attempts=1)
    namespace.add_fault({"operations": ["GenerateClientCertificate"], "action": {"error": {"type": "ServiceUnavailableException"}}})

    with pytest.raises(ClientError) as refused:
        api.generate_client_certificate()

    assert refused.value.response["Error"]["Code"] == "ServiceUnavailableException"


def test_a_saved_state_seeds_the_namespace_again(namespace):
    api = namespace.client()
    made = api.generate_client_certificate(description="saved", tags={"team": "blue"})
    saved = namespace.state()
    namespace.reset()

    namespace.seed(saved)

    assert api.get_client_certificate(clientCertificateId=made["clientCertificateId"])["tags"] == {"team": "blue"}
