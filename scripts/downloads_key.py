"""Create (or rotate) the downloads distribution's signing key (docs/deploy.md "Downloads through CloudFront").

    python -m scripts.downloads_key [--prefix silastik-prod] [--region ap-southeast-3] [--public-key-out FILE]

Generates an RSA-2048 key pair, stores the PEM private key as the new value of the stack's Secrets Manager secret
``<prefix>/downloads-signing-key`` (``DownloadsSigningKey``, created empty by the stack) and prints the public key:
pass it as the stack's ``DownloadsSigningPublicKey`` parameter (a changed key replaces the distribution's public
key; links signed with the old key stop working, which lasts at most their 15 minutes). The private key is never
printed or written elsewhere. AWS credentials come from the usual chain (AWS_ENDPOINT_URL for the local stack).
Exit code 0 on success, 2 when the secret does not exist (deploy the stack first)."""

from __future__ import annotations

import argparse
import os
import sys


def new_key_pair() -> tuple[str, str]:
    """(PEM private key, PEM public key) of a new RSA-2048 key, as CloudFront's trusted key groups take it."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m scripts.downloads_key", description=__doc__.split("\n")[0])
    p.add_argument("--prefix", default=os.environ.get("PREFIX", "silastik-prod"), help="the stack's Prefix")
    p.add_argument("--region", default=None, help="AWS region (env AWS_REGION; default ap-southeast-3)")
    p.add_argument("--public-key-out", default=None, help="also write the public key to this file")
    a = p.parse_args(argv)
    region = a.region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "ap-southeast-3"
    import boto3

    sm = boto3.client("secretsmanager", region_name=region)
    name = f"{a.prefix}/downloads-signing-key"
    private, public = new_key_pair()
    try:
        sm.put_secret_value(SecretId=name, SecretString=private)
    except sm.exceptions.ResourceNotFoundException:
        print(f"secret {name} not found: deploy the stack first (it creates the secret empty)", file=sys.stderr)
        return 2
    if a.public_key_out:
        with open(a.public_key_out, "w", encoding="ascii") as fh:
            fh.write(public)
    print(f"stored a new private key in {name}; deploy with this DownloadsSigningPublicKey:", file=sys.stderr)
    print(public, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
