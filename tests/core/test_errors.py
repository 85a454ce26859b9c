"""Every kind of AWS failure becomes a message that says what to do."""

from __future__ import annotations

from botocore import exceptions as bx

from opsconsole.core.errors import ErrorKind, describe


def client_error(code: str, message: str = "", op: str = "ListExecutions") -> bx.ClientError:
    return bx.ClientError({"Error": {"Code": code, "Message": message}}, op)


def test_expired_sso_session_gives_the_login_command():
    err = describe(bx.UnauthorizedSSOTokenError(), profile="ml-prod")
    assert err.kind is ErrorKind.EXPIRED
    assert "aws sso login --profile ml-prod" in err.message


def test_sso_token_missing_also_gives_the_login_command():
    err = describe(bx.SSOTokenLoadError(error_msg="no token"), profile="dev")
    assert "aws sso login --profile dev" in err.message


def test_no_credentials_says_how_to_get_some():
    err = describe(bx.NoCredentialsError())
    assert err.kind is ErrorKind.NO_CREDENTIALS
    assert "aws configure" in err.message and "keyring" in err.message


def test_expired_token_client_error():
    err = describe(client_error("ExpiredTokenException", "The security token included in the request is expired"), profile="p")
    assert err.kind is ErrorKind.EXPIRED
    assert "aws sso login --profile p" in err.message


def test_access_denied_without_parsable_message_names_the_operation():
    err = describe(client_error("AccessDeniedException", "denied"), operation="StopExecution")
    assert err.kind is ErrorKind.ACCESS_DENIED
    assert "StopExecution" in err.message


def test_throttling_after_retries():
    err = describe(client_error("ThrottlingException", "Rate exceeded"))
    assert err.kind is ErrorKind.THROTTLED
    assert "retr" in err.message.lower()


def test_endpoint_unreachable():
    err = describe(bx.EndpointConnectionError(endpoint_url="http://127.0.0.1:9"))
    assert err.kind is ErrorKind.UNREACHABLE
    assert "http://127.0.0.1:9" in err.message


def test_read_timeout_is_unreachable():
    err = describe(bx.ReadTimeoutError(endpoint_url="https://states.eu-west-1.amazonaws.com"))
    assert err.kind is ErrorKind.UNREACHABLE


def test_not_found_and_validation():
    assert describe(client_error("ExecutionDoesNotExist", "nope")).kind is ErrorKind.NOT_FOUND
    assert describe(client_error("InvalidArn", "bad arn")).kind is ErrorKind.INVALID


def test_unknown_exception_is_unexpected_and_points_to_log():
    err = describe(ZeroDivisionError("division by zero"))
    assert err.kind is ErrorKind.UNEXPECTED
    assert "log" in err.message
