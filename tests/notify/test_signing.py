"""Signing against the Standard Webhooks reference: its published vector and its library."""

from __future__ import annotations

import base64
import datetime as dt
import time

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from app.notify.signing import new_message_id, new_secret, sign, signed_headers

# The test vector of the reference implementations (standard-webhooks/standard-webhooks,
# libraries/*/test): secret, id, timestamp and payload, and the signature they must give.
VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
VECTOR_TIMESTAMP = 1614265330
VECTOR_PAYLOAD = b'{"test": 2432232314}'
VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_the_reference_vector_signs_alike() -> None:
    assert sign(VECTOR_SECRET, VECTOR_ID, VECTOR_TIMESTAMP, VECTOR_PAYLOAD) == VECTOR_SIGNATURE


def test_the_reference_library_signs_the_vector_as_we_do() -> None:
    moment = dt.datetime.fromtimestamp(VECTOR_TIMESTAMP, dt.UTC)
    assert Webhook(VECTOR_SECRET).sign(VECTOR_ID, moment, VECTOR_PAYLOAD) == VECTOR_SIGNATURE


def test_the_reference_library_verifies_our_headers() -> None:
    secret = new_secret()
    body = '{"type":"event.created","data":{"id":1,"title":"Jongju — 종주"}}'.encode()
    headers = signed_headers(secret, new_message_id(), int(time.time()), body)
    assert Webhook(secret).verify(body, headers)["data"]["id"] == 1


def test_a_changed_body_or_another_secret_fails_verification() -> None:
    secret = new_secret()
    headers = signed_headers(secret, new_message_id(), int(time.time()), b'{"a":1}')
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(b'{"a":2}', headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(b'{"a":1}', headers)


def test_secrets_and_ids_are_fresh_and_well_formed() -> None:
    secrets = {new_secret() for _ in range(50)}
    assert len(secrets) == 50
    for secret in secrets:
        assert secret.startswith("whsec_")
        assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    ids = {new_message_id() for _ in range(50)}
    assert len(ids) == 50 and all(i.startswith("msg_") for i in ids)
