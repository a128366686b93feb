"""SM3 / SM4-GCM with key rotation / SM2 / blind index."""

from __future__ import annotations

import pytest
from django.test import override_settings

from yiwang.core import crypto

OLD = "k2025:" + "11" * 16
NEW = "k2026:" + "22" * 16


def test_sm3_matches_the_standard_test_vector():
    # GB/T 32905-2016 appendix A.1
    assert crypto.sm3_hex(b"abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


def test_sm4_round_trip_carries_the_key_id():
    with override_settings(PII_KEYS=[NEW]):
        token = crypto.encrypt("110101199003070011")
        assert token.startswith("sm4g1:k2026:")
        assert "110101199003070011" not in token
        assert crypto.decrypt(token) == "110101199003070011"
        assert crypto.encrypt("x") != crypto.encrypt("x")  # fresh nonce every time


def test_rotation_keeps_old_ciphertexts_readable():
    with override_settings(PII_KEYS=[OLD]):
        old_token = crypto.encrypt("13800000000")
    with override_settings(PII_KEYS=[NEW, OLD]):  # rotated: NEW encrypts, both decrypt
        assert crypto.decrypt(old_token) == "13800000000"
        assert crypto.key_id_of(crypto.encrypt("13800000000")) == "k2026"
    with override_settings(PII_KEYS=[NEW]), pytest.raises(crypto.DecryptionError, match="unknown key id"):
        crypto.decrypt(old_token)


def test_tampered_or_misbound_ciphertext_is_refused():
    with override_settings(PII_KEYS=[NEW]):
        token = crypto.encrypt("secret", associated=b"user:1")
        assert crypto.decrypt(token, associated=b"user:1") == "secret"
        with pytest.raises(crypto.DecryptionError):
            crypto.decrypt(token, associated=b"user:2")
        prefix, kid, body = token.split(":")
        flipped = body[:-6] + ("A" if body[-6] != "A" else "B") + body[-5:]
        with pytest.raises(crypto.DecryptionError):
            crypto.decrypt(f"{prefix}:{kid}:{flipped}", associated=b"user:1")
        with pytest.raises(crypto.DecryptionError):
            crypto.decrypt("plaintext")


def test_bad_key_configuration_fails_loudly():
    from django.core.exceptions import ImproperlyConfigured

    with override_settings(PII_KEYS=["nokid"]), pytest.raises(ImproperlyConfigured):
        crypto.encrypt("x")
    with override_settings(PII_KEYS=["k:abcd"]), pytest.raises(ImproperlyConfigured):
        crypto.encrypt("x")


def test_sm2_sign_and_verify():
    with override_settings(AUDIT_SM2_PRIVATE_KEY="3" * 64):
        public = crypto.sm2_public_key_hex()
        signature = crypto.sm2_sign(b"heads")
        assert crypto.sm2_verify(b"heads", signature, public)
        assert not crypto.sm2_verify(b"heads!", signature, public)
        assert not crypto.sm2_verify(b"heads", "00" * 64, public)
        assert not crypto.sm2_verify(b"heads", "not hex", public)
    with override_settings(AUDIT_SM2_PRIVATE_KEY="4" * 64):
        assert crypto.sm2_public_key_hex() != public
        assert not crypto.sm2_verify(b"heads", signature, crypto.sm2_public_key_hex())


def test_blind_index_is_stable_keyed_and_purpose_bound():
    with override_settings(PII_INDEX_KEY="ab" * 32):
        first = crypto.blind_index("110101199003070011", purpose="id_number")
        assert first == crypto.blind_index("110101199003070011", purpose="id_number")
        assert first != crypto.blind_index("110101199003070011", purpose="phone")
        assert len(first) == 64
    with override_settings(PII_INDEX_KEY="cd" * 32):
        assert crypto.blind_index("110101199003070011", purpose="id_number") != first
