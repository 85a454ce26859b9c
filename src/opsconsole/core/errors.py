"""Turn AWS and network exceptions into messages a person can act on."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from botocore import exceptions as bx
from botocore.parsers import ResponseParserError

from opsconsole.core.aws import MAX_ATTEMPTS, READ_TIMEOUT_S, THROTTLING_CODES, DeadlinePassed, ResponseShapeError
from opsconsole.core.permissions import denied_permission


class ErrorKind(str, Enum):
    NO_CREDENTIALS = "no-credentials"
    EXPIRED = "expired-credentials"
    ACCESS_DENIED = "access-denied"
    THROTTLED = "throttled"
    UNREACHABLE = "unreachable"
    NOT_FOUND = "not-found"
    INVALID = "invalid-request"
    CONFIG = "configuration"
    #: The endpoint answered with something that is not the operation's AWS response.
    BAD_RESPONSE = "bad-response"
    #: The console's own rules said no (a refused re-run, an invalid definition, ...).
    REFUSED = "refused"
    UNEXPECTED = "unexpected"


class DomainError(Exception):
    """A refusal a person can act on, raised by core with one sentence saying what to do.

    Subclasses name the rule (``RerunRefused``, ``InvalidDefinition``, ...); the
    job layer shows ``title`` and the message as they are, never as
    "Unexpected error" with a traceback.
    """

    title = "Not possible"

    def __init__(self, message: str, *, title: str | None = None) -> None:
        super().__init__(message)
        if title is not None:
            self.title = title

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""


@dataclass(frozen=True)
class UserError:
    """What went wrong, said for the person at the keyboard."""

    kind: ErrorKind
    title: str
    message: str
    #: The original error code or exception class, for the log.
    code: str = ""

    def __post_init__(self) -> None:
        # An endpoint may echo a request's headers into its error message: never show a token.
        from opsconsole.core.logbuffer import redact

        object.__setattr__(self, "message", redact(self.message))
        object.__setattr__(self, "title", redact(self.title))

    def __str__(self) -> str:
        return f"{self.title}: {self.message}"


_EXPIRED_CODES = {
    "ExpiredToken",
    "ExpiredTokenException",
    "RequestExpired",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
}
#: AWS said no to a well-formed request for a reason the user can act on.
_REFUSED_CODES = {
    "MissingRequiredParameter",
    "ExecutionNotRedrivable",
    "ExecutionAlreadyExists",
    "ExecutionLimitExceeded",
    "TaskTimedOut",
    "TaskDoesNotExist",
    "ConflictException",
    "PreconditionFailedException",
    "ConditionalCheckFailedException",
}
#: AWS could not answer (its side, not the request's): worth a retry later.
_SERVER_CODES = {"ServiceUnavailable", "ServiceUnavailableException", "InternalFailure", "InternalServerError",
                 "InternalError", "InternalServerException", "InternalServiceError", "InternalServiceErrorException"}
_NOT_FOUND_SUFFIXES = ("NotFound", "NotFoundException", "DoesNotExist", "ResourceNotFound")

def _sso_login_hint(profile: str | None) -> str:
    return f"aws sso login --profile {profile}" if profile else "aws sso login"


def _from_response_parser(exc: BaseException) -> bool:
    """The exception was raised while botocore read a response (a wrong-shaped answer, not our bug)."""
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.replace("\\", "/").endswith("botocore/parsers.py"):
            return True
        tb = tb.tb_next
    return False


def _bad_response(operation: str, detail: str, code: str) -> UserError:
    return UserError(
        ErrorKind.BAD_RESPONSE,
        "Unexpected answer from the endpoint",
        f"The endpoint answered {operation or 'the request'} with a response that is not what AWS sends "
        f"({detail}). Check the endpoint URL; a proxy or an emulator may not support this call.",
        code,
    )


def describe(exc: BaseException, profile: str | None = None, operation: str = "") -> UserError:
    """Map any exception from a worker job to a :class:`UserError`."""
    what = f" ({operation})" if operation else ""
    if isinstance(exc, ResponseShapeError):
        return _bad_response(exc.operation, exc.detail, "ResponseShapeError")
    op_name = getattr(exc, "aws_operation", "") or operation
    if isinstance(exc, ResponseParserError):
        first = " ".join(str(exc).split())[:160]
        return _bad_response(op_name, f"unreadable: {first}", "ResponseParserError")
    if not isinstance(exc, (bx.BotoCoreError, bx.ClientError, DomainError)) and _from_response_parser(exc):
        return _bad_response(op_name, f"{type(exc).__name__}: {exc}"[:160], type(exc).__name__)
    if isinstance(exc, (bx.UnauthorizedSSOTokenError, bx.SSOTokenLoadError, bx.TokenRetrievalError)):
        cmd = _sso_login_hint(profile)
        return UserError(
            ErrorKind.EXPIRED,
            "SSO session expired",
            f"The SSO session for profile '{profile or 'default'}' has expired or was never "
            f"started. Run `{cmd}` in a terminal, then retry.",
            type(exc).__name__,
        )
    if isinstance(exc, (bx.NoCredentialsError, bx.PartialCredentialsError)):
        return UserError(
            ErrorKind.NO_CREDENTIALS,
            "No AWS credentials",
            "No credentials were found for this connection. Pick a profile from your AWS "
            "config, add access keys (kept in the OS keyring), or run `aws configure`.",
            type(exc).__name__,
        )
    if isinstance(exc, bx.ProfileNotFound):
        return UserError(
            ErrorKind.CONFIG,
            "Unknown profile",
            f"{exc}. Check ~/.aws/config or pick another profile.",
            type(exc).__name__,
        )
    if isinstance(exc, bx.NoRegionError):
        return UserError(ErrorKind.CONFIG, "No region", "Pick a region for this connection.", "NoRegionError")
    if isinstance(exc, bx.CredentialRetrievalError):
        return UserError(
            ErrorKind.NO_CREDENTIALS,
            "Could not get credentials",
            f"{exc}. If this profile uses SSO, run `{_sso_login_hint(profile)}`.",
            type(exc).__name__,
        )
    if isinstance(exc, (bx.EndpointConnectionError, bx.ConnectTimeoutError, bx.ConnectionClosedError, bx.ProxyConnectionError)):
        endpoint = getattr(exc, "kwargs", {}).get("endpoint_url", "")
        return UserError(
            ErrorKind.UNREACHABLE,
            "Offline",
            f"Cannot reach {endpoint or 'the AWS endpoint'}{what}. Check the network or VPN; "
            "the console reconnects by itself when the endpoint is back.",
            type(exc).__name__,
        )
    if isinstance(exc, DeadlinePassed):
        return UserError(
            ErrorKind.UNREACHABLE,
            "Endpoint not answering",
            f"{exc.endpoint} accepted the connection but did not answer {exc.operation} "
            f"({exc.attempts} attempt(s) over {exc.waited:.0f} s); the console gave up on it. The endpoint "
            "is overloaded or stuck: retry later, or check the endpoint URL and the network (a proxy or VPN).",
            "DeadlinePassed",
        )
    if isinstance(exc, bx.ReadTimeoutError):
        endpoint = getattr(exc, "kwargs", {}).get("endpoint_url", "") or "AWS"
        return UserError(
            ErrorKind.UNREACHABLE,
            "Timed out",
            f"{endpoint} did not answer in time{what} ({MAX_ATTEMPTS} attempts of {READ_TIMEOUT_S} s). "
            "The network or the endpoint may be slow or down; retry in a moment.",
            "ReadTimeoutError",
        )
    if isinstance(exc, bx.ClientError):
        err = exc.response.get("Error", {})
        code = str(err.get("Code", ""))
        msg = str(err.get("Message", "")) or str(exc)
        op = operation or getattr(exc, "operation_name", "")
        if code in _EXPIRED_CODES:
            hint = (
                f" If this profile uses SSO, run `{_sso_login_hint(profile)}`."
                if profile
                else " Renew the access keys or switch profile."
            )
            return UserError(
                ErrorKind.EXPIRED,
                "Credentials expired or invalid",
                f"AWS rejected the credentials ({code}).{hint}",
                code,
            )
        denied = denied_permission(exc)
        if denied is not None:
            if denied.named:
                text = f"You are not allowed to run {denied.action} on {denied.resource or 'this resource'}."
            else:
                text = f"You are not allowed to run {op or 'this action'}. {msg}"
            return UserError(
                ErrorKind.ACCESS_DENIED,
                "Access denied",
                text + " Ask an administrator to grant it, or switch to a profile that has it.",
                code,
            )
        if code in THROTTLING_CODES:
            return UserError(
                ErrorKind.THROTTLED,
                "Throttled",
                f"AWS kept throttling {op or 'the request'} after several retries with backoff. "
                "Wait a moment and retry.",
                code,
            )
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0
        if code in _SERVER_CODES or (status >= 500 and status != 501):
            return UserError(
                ErrorKind.UNREACHABLE,
                "AWS service unavailable",
                f"The service could not answer {op or 'the request'} ({code or status}) even after retries. "
                "This is on AWS's side (or the endpoint's): wait a moment and retry.",
                code or str(status),
            )
        if code.endswith(_NOT_FOUND_SUFFIXES):
            return UserError(ErrorKind.NOT_FOUND, "Not found", msg, code)
        if code.startswith(("Validation", "Invalid")) or code in _REFUSED_CODES:
            return UserError(ErrorKind.INVALID, "Rejected by AWS", f"{msg} ({code})", code)
        return UserError(ErrorKind.UNEXPECTED, f"AWS error {code}", msg, code)
    if isinstance(exc, DomainError):
        return UserError(ErrorKind.REFUSED, exc.title, exc.message, type(exc).__name__)
    if isinstance(exc, bx.ParamValidationError):
        return UserError(ErrorKind.INVALID, "Invalid request", str(exc), "ParamValidationError")
    return UserError(
        ErrorKind.UNEXPECTED,
        "Unexpected error",
        f"{type(exc).__name__}: {exc}. The details are in the log.",
        type(exc).__name__,
    )
