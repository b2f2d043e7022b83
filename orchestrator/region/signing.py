"""Ed25519 signatures between a province's installation and its cities' (the 调度令 one way,
the report-backs the other): each side signs with its own private key and checks the other's
with the public key it was given (``config/federation/<code>.pub``). Keys are made on purpose
(``orchestrator federation keygen``), never generated silently."""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from orchestrator.errors import ConfigInvalid


@dataclass(frozen=True, slots=True)
class Signer:
    """Signs as ``code`` (the province's or a city's)."""

    code: str
    key: Ed25519PrivateKey

    def sign(self, data: bytes) -> str:
        return base64.b64encode(self.key.sign(data)).decode("ascii")


@dataclass(frozen=True, slots=True)
class Verifier:
    """Checks what ``code`` signed."""

    code: str
    key: Ed25519PublicKey

    def verify(self, data: bytes, signature: str) -> bool:
        try:
            raw = base64.b64decode(signature.encode("ascii"), validate=True)
            self.key.verify(raw, data)
        except (InvalidSignature, binascii.Error, ValueError, UnicodeEncodeError):
            return False
        return True


def load_signer(code: str, path: Path) -> Signer:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError) as exc:
        raise ConfigInvalid(f"{path}: 无法读取签名私钥（{exc}）") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigInvalid(f"{path}: 不是Ed25519私钥")
    return Signer(code, key)


def load_verifier(code: str, path: Path) -> Verifier:
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise ConfigInvalid(f"{path}: 无法读取{code}的公钥（{exc}）") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise ConfigInvalid(f"{path}: 不是Ed25519公钥")
    return Verifier(code, key)


def keygen(code: str, folder: Path) -> tuple[Path, Path]:
    """A new key pair for ``code``: ``<code>.key`` (private, owner-only) and ``<code>.pub``.
    An existing private key is never overwritten."""
    folder.mkdir(parents=True, exist_ok=True)
    private, public = folder / f"{code}.key", folder / f"{code}.pub"
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    try:
        fd = os.open(private, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise ConfigInvalid(f"{private}: 已存在，不予覆盖") from exc
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    public.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return private, public
