"""Local stand-in for the downloads distribution (SPEC §6; infra ``DownloadsDistribution``, chalicelib/delivery/cdn.py).

Run::

    python -m local.cdn_sim --port 8071 --public-key .devstack/cdn/public.pem --key-id K2LOCALDOWNLOADS \\
        --bucket silastik-local-deliverables [--public-url http://127.0.0.1:8071]

It does what the CloudFront distribution does for SILASTIK, and nothing more, so that downloads in the local stack
take the path they take in AWS:

* only ``GET`` and ``HEAD``;
* only URLs signed with the trusted key (canned policy: ``Expires``, ``Signature``, ``Key-Pair-Id``). The signature
  must verify (RSA, SHA-1) over the policy of the URL as issued — this server's public URL, the path and the query
  without those three parameters, in their order — and the link must not have expired. Otherwise 403 with
  CloudFront's error document (``MissingKey``, ``AccessDenied``);
* to the origin (the bucket, as the distribution's origin access control reads it) only the query parameters of
  the origin request policy (``response-cache-control``, ``response-content-disposition``,
  ``response-content-type``, ``versionId``) and only keys the bucket policy opens to it (``deliverables/``,
  ``catalog/``; anything else is S3's 403);
* nothing cached: every request is a GET of the object, streamed back with S3's status and headers.

S3 is reached through the usual AWS environment (``AWS_ENDPOINT_URL``: the local moto server). ``GET /health``.
Signatures and keys are never logged."""

from __future__ import annotations

import argparse
import base64
import json
import logging
import sys
import time
import urllib.parse
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SIGNING = ("Expires", "Signature", "Key-Pair-Id")
#: the origin request policy's query strings (infra DownloadsOriginRequestPolicy) -> get_object's parameter
FORWARDED = {"response-cache-control": "ResponseCacheControl", "response-content-disposition":
             "ResponseContentDisposition", "response-content-type": "ResponseContentType", "versionId": "VersionId"}
#: the prefixes the bucket policy lets the distribution read (infra DeliverablesBucketPolicy)
READABLE = ("deliverables/", "catalog/")
PASSED_HEADERS = ("Content-Type", "Content-Length", "Content-Disposition", "Cache-Control", "ETag", "Last-Modified")
CHUNK = 1024 * 1024

log = logging.getLogger("silastik.cdn_sim")


class Denied(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _b64(value: str) -> bytes:
    """CloudFront's URL-safe base64 (``-`` for ``+``, ``_`` for ``=``, ``~`` for ``/``)."""
    return base64.b64decode(value.replace("-", "+").replace("_", "=").replace("~", "/"))


class Distribution:
    def __init__(self, public_url: str, public_key_pem: bytes, key_id: str, bucket: str,
                 clock: Any = time.time) -> None:
        from cryptography.hazmat.primitives.serialization import load_pem_public_key

        self.public_url = public_url.rstrip("/")
        self.key = load_pem_public_key(public_key_pem)
        self.key_id, self.bucket, self.clock = key_id, bucket, clock
        self._s3: Any = None

    def s3(self) -> Any:
        if self._s3 is None:
            import boto3

            self._s3 = boto3.client("s3")
        return self._s3

    def check(self, raw_path: str) -> tuple[str, dict[str, str]]:
        """(object key, forwarded query parameters) of a correctly signed, unexpired URL; ``Denied`` otherwise."""
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        path, _, query = raw_path.partition("?")
        kept, signing = [], {}
        for part in query.split("&") if query else []:
            name = urllib.parse.unquote_plus(part.split("=", 1)[0])
            if name in SIGNING:
                signing[name] = urllib.parse.unquote_plus(part.split("=", 1)[1] if "=" in part else "")
            else:
                kept.append(part)
        if "Key-Pair-Id" not in signing:
            raise Denied("MissingKey", "Missing Key-Pair-Id query parameter or cookie value")
        if signing["Key-Pair-Id"] != self.key_id or "Signature" not in signing or "Expires" not in signing:
            raise Denied("AccessDenied", "Access denied")
        try:
            expires = int(signing["Expires"])
            signature = _b64(signing["Signature"])
        except ValueError as exc:
            raise Denied("AccessDenied", "Access denied") from exc
        resource = self.public_url + path + ("?" + "&".join(kept) if kept else "")
        policy = json.dumps({"Statement": [{"Resource": resource, "Condition": {"DateLessThan": {
            "AWS:EpochTime": expires}}}]}, separators=(",", ":")).encode()
        try:
            self.key.verify(signature, policy, padding.PKCS1v15(), hashes.SHA1())  # noqa: S303 - CloudFront's scheme
        except InvalidSignature as exc:
            raise Denied("AccessDenied", "Access denied") from exc
        if self.clock() >= expires:
            raise Denied("AccessDenied", "Request has expired")
        key = urllib.parse.unquote(path.lstrip("/"))
        params = {k: v for k, v in urllib.parse.parse_qsl("&".join(kept), keep_blank_values=True) if k in FORWARDED}
        return key, params

    def fetch(self, key: str, params: dict[str, str], head: bool) -> tuple[int, dict[str, str], Any]:
        """The origin's answer: (status, headers, body stream or None)."""
        from botocore.exceptions import ClientError

        if not key.startswith(READABLE):
            return 403, {"Content-Type": "application/xml"}, None
        kwargs: dict[str, Any] = {"Bucket": self.bucket, "Key": key}
        kwargs.update({FORWARDED[k]: v for k, v in params.items()})
        try:
            obj = (self.s3().head_object if head else self.s3().get_object)(**kwargs)
        except ClientError as exc:
            status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 500)
            return status, {"Content-Type": "application/xml"}, None
        headers = obj["ResponseMetadata"].get("HTTPHeaders", {})
        out = {h: headers[h.lower()] for h in PASSED_HEADERS if h.lower() in headers}
        return 200, out, obj.get("Body")


def make_handler(dist: Distribution) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "CloudFront-sim"

        def log_message(self, fmt: str, *args: Any) -> None:  # the query carries the signature: path only
            log.info("%s %s", self.command, self.path.partition("?")[0])

        def _error(self, status: int, code: str, message: str) -> None:
            body = (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code>"
                    f"<Message>{message}</Message></Error>").encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _serve(self, head: bool) -> None:
            if self.path == "/health":
                body = b'{"status": "ok"}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            try:
                key, params = dist.check(self.path)
            except Denied as exc:
                self._error(403, exc.code, str(exc))
                return
            status, headers, body = dist.fetch(key, params, head)
            if status != 200:
                self._error(status, "AccessDenied" if status == 403 else HTTPStatus(status).phrase.replace(" ", ""),
                            "Access Denied" if status == 403 else HTTPStatus(status).phrase)
                return
            self.send_response(200)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("X-Cache", "Miss from cloudfront")
            self.end_headers()
            if body is not None and not head:
                for chunk in iter(lambda: body.read(CHUNK), b""):
                    self.wfile.write(chunk)

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            self._serve(False)

        def do_HEAD(self) -> None:  # noqa: N802
            self._serve(True)

        def _refuse(self) -> None:
            self._error(403, "MethodNotAllowed", "This distribution is not configured to allow the HTTP request method")

        do_POST = do_PUT = do_DELETE = do_PATCH = _refuse  # noqa: N815

    return Handler


def serve(dist: Distribution, host: str, port: int) -> ThreadingHTTPServer:
    return ThreadingHTTPServer((host, port), make_handler(dist))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m local.cdn_sim", description=__doc__.split("\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8071)
    p.add_argument("--public-url", default=None, help="the URL the links name (default http://HOST:PORT)")
    p.add_argument("--public-key", required=True, help="PEM public key of the trusted key group")
    p.add_argument("--key-id", required=True)
    p.add_argument("--bucket", required=True, help="the deliverables bucket (the distribution's origin)")
    a = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s cdn %(message)s", stream=sys.stdout)
    with open(a.public_key, "rb") as fh:
        pem = fh.read()
    dist = Distribution(a.public_url or f"http://{a.host}:{a.port}", pem, a.key_id, a.bucket)
    server = serve(dist, a.host, a.port)
    log.info("downloads distribution (stand-in) on http://%s:%d for bucket %s", a.host, a.port, a.bucket)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
