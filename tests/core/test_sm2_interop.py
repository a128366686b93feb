"""SM2 from gmalglib (C) interoperates with the pure-Python gmalg, both ways.

Earlier audit anchors and licence signatures were made by ``gmalg``; they must still verify,
and signatures made now must verify in any GM/T 0003 implementation.
"""

from __future__ import annotations

import gmalg
import pytest

from yiwang.core import crypto

MESSAGES = [b"", b"a", "莒南县 行政许可决定书 2026".encode(), bytes(range(256)) * 7]


@pytest.fixture
def keypair(settings):
    private_hex = "3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8"
    settings.AUDIT_SM2_PRIVATE_KEY = private_hex
    private = bytes.fromhex(private_hex)
    return private, gmalg.SM2(uid=crypto.SM2_UID).generate_pk(private)


@pytest.mark.parametrize("message", MESSAGES)
def test_gmalg_verifies_platform_signature(keypair, message):
    _private, public = keypair
    assert crypto.sm2_public_key_hex() == public.hex()
    sig = bytes.fromhex(crypto.sm2_sign(message))
    assert len(sig) == 64
    assert gmalg.SM2(pk=public, uid=crypto.SM2_UID).verify(message, sig[:32], sig[32:])


@pytest.mark.parametrize("message", MESSAGES)
def test_platform_verifies_gmalg_signature(keypair, message):
    private, public = keypair
    r, s = gmalg.SM2(sk=private, pk=public, uid=crypto.SM2_UID).sign(message)
    signature_hex = r.rjust(32, b"\x00").hex() + s.rjust(32, b"\x00").hex()
    assert crypto.sm2_verify(message, signature_hex, public.hex())


def test_tampered_message_or_signature_is_refused(keypair):
    _private, public = keypair
    signature_hex = crypto.sm2_sign(b"original")
    assert crypto.sm2_verify(b"original", signature_hex, public.hex())
    assert not crypto.sm2_verify(b"originaL", signature_hex, public.hex())
    flipped = ("0" if signature_hex[0] != "0" else "1") + signature_hex[1:]
    assert not crypto.sm2_verify(b"original", flipped, public.hex())
    assert not crypto.sm2_verify(b"original", signature_hex[:-2], public.hex())
    assert not crypto.sm2_verify(b"original", "zz", public.hex())
    assert not crypto.sm2_verify(b"original", signature_hex, "04" + "00" * 64)
