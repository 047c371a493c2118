"""Register the first admin of a fresh deployment in the staff directory (docs/deploy.md "Staff onboarding and
identity provider"). Idempotent: an active admin is left as is; an existing entry gets the admin role back.

    python -m scripts.bootstrap_admin --sub <the IdP's sub of the user> --name "Nama Lengkap" [--email E]
                                      [--prefix silastik-prod] [--region ap-southeast-3]

The user must exist at the identity provider (Keycloak: Users → the user → ID; Cognito: the user's `sub`
attribute). AWS credentials come from the usual chain; the local stack is reached with AWS_ENDPOINT_URL (e.g.
http://127.0.0.1:5000, `make dev SEED=0`). Everything after the first admin is done in the product: the admin
page's "Petugas & unit" or /ops/staff and /ops/units. Prints the entry as JSON; exit code 0 on success (created
or already there), 2 on invalid input."""

from __future__ import annotations

import argparse
import json
import os
import sys


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m scripts.bootstrap_admin", description=__doc__.split("\n")[0])
    p.add_argument("--sub", required=True, help="the identity provider's subject (sub) of the admin")
    p.add_argument("--name", required=True, help="the admin's name (plain text)")
    p.add_argument("--email", default=None)
    p.add_argument("--prefix", default=None, help="resource name prefix of the deployment (env PREFIX)")
    p.add_argument("--region", default=None, help="AWS region (env AWS_REGION; default ap-southeast-3)")
    a = p.parse_args(argv)
    if a.prefix:
        os.environ["PREFIX"] = a.prefix
    region = a.region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "ap-southeast-3"
    os.environ["AWS_REGION"] = os.environ["AWS_DEFAULT_REGION"] = region  # PynamoDB reads the default region
    from pydantic import ValidationError

    from chalicelib.core.config import reset_settings
    from chalicelib.staff.schemas import StaffIn
    from chalicelib.staff.service import StaffService

    reset_settings()
    try:
        StaffIn(user_id=a.sub, name=a.name, email=a.email, roles=["admin"])  # the API's own validation
    except ValidationError as exc:
        print(json.dumps({"error": "invalid input", "details": exc.errors(include_url=False, include_input=False)},
                         default=str), file=sys.stderr)
        return 2
    out, changed = StaffService().bootstrap_admin(a.sub.strip(), a.name.strip(), a.email)
    print(json.dumps({"result": "created" if changed else "unchanged", "staff": out.model_dump(mode="json")},
                     ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
