"""The password p88 gives p88_ask reaches PostgreSQL as a SCRAM-SHA-256 verifier only (so it is
in no statement, log or pg_stat_activity): checked against RFC 7677's worked example."""

from __future__ import annotations

import base64
import hashlib
import hmac

from p88.db.ask import scram_verifier

# RFC 7677, section 3: user "user", password "pencil".
SALT = base64.b64decode("W22ZaJ0SNY7soEsUEjb6gQ==")
AUTH_MESSAGE = (
    b"n=user,r=rOprNGfwEbeRWgbNEkqO,"
    b"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,"
    b"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
)
CLIENT_PROOF = "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
SERVER_SIGNATURE = "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="


def test_the_verifier_matches_the_rfc_example() -> None:
    verifier = scram_verifier("pencil", SALT)
    method, rest = verifier.split("$", 1)
    header, keys = rest.split("$")
    iterations, salt = header.split(":")
    stored_key, server_key = (base64.b64decode(k) for k in keys.split(":"))
    assert (method, iterations, base64.b64decode(salt)) == ("SCRAM-SHA-256", "4096", SALT)
    # The server's signature, made from the server key alone, is the RFC's.
    signature = hmac.new(server_key, AUTH_MESSAGE, "sha256").digest()
    assert base64.b64encode(signature).decode() == SERVER_SIGNATURE
    # The client's proof, checked the way the server checks it, recovers the stored key.
    client_signature = hmac.new(stored_key, AUTH_MESSAGE, "sha256").digest()
    proof = base64.b64decode(CLIENT_PROOF)
    client_key = bytes(a ^ b for a, b in zip(proof, client_signature, strict=True))
    assert hashlib.sha256(client_key).digest() == stored_key


def test_each_verifier_has_its_own_salt() -> None:
    assert scram_verifier("same") != scram_verifier("same")
