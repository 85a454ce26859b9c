"""The response check lets through what botocore really parses (a streaming body) and stops what it cannot."""

from __future__ import annotations

import io

import botocore.session
import pytest
from botocore.response import StreamingBody

from opsconsole.core.aws import ResponseShapeError, check_response


@pytest.fixture(scope="module")
def get_object():
    return botocore.session.get_session().get_service_model("s3").operation_model("GetObject")


def test_an_s3_object_body_streams_and_passes(get_object):
    check_response(get_object, {"Body": StreamingBody(io.BytesIO(b"item_id,date\n"), 13), "ContentLength": 13})


def test_a_body_that_is_neither_bytes_nor_a_stream_is_refused(get_object):
    with pytest.raises(ResponseShapeError, match="Body"):
        check_response(get_object, {"Body": 12})
