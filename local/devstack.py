"""`make dev`: the whole local stack of SPEC §6 on this machine, no cloud account.

moto (:5000, Step Functions executing) → provision infra/ + state machines → seed demo data → local SSO
(:8090) → billing simulator (:8070) → downloads distribution stand-in (:8071, local/cdn_sim.py: the download links
are CloudFront-signed as in AWS) → chalice local API (:8000) → worker → admin page (:8080) → public portal
(:8081). One Ctrl-C stops everything. Ports come from the environment (API_PORT, ADMIN_PORT, PORTAL_PORT,
MOTO_PORT, SSO_PORT, BILLING_PORT, CDN_PORT)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATE = ROOT / ".devstack"
PY = sys.executable


def log(msg: str) -> None:
    print(f"[devstack {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def port_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout_s: float = 60, method: str = "GET") -> None:
    deadline = time.monotonic() + timeout_s
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            req = urllib.request.Request(url, method=method)
            with urllib.request.urlopen(req, timeout=2) as resp:
                if resp.status < 500:
                    return
        except urllib.error.HTTPError as exc:
            if exc.code < 500:
                return
            last = exc
        except Exception as exc:  # noqa: BLE001
            last = exc
        time.sleep(0.25)
    raise RuntimeError(f"{url} did not come up: {last}")


LOCAL_DOWNLOADS_KEY_ID = "K2LOCALDOWNLOADS"


class Stack:
    def __init__(self, catalog_items: int = 3000, quiet: bool = False, ports: dict[str, int] | None = None,
                 state_dir: Path | None = None, tick_seconds: float | None = None, seed: bool = True) -> None:
        self.seed = seed  # False (`make dev SEED=0`): a fresh stack, no demo data, staff roles only from the API
        self.ports = ports or {
            "moto": int(os.environ.get("MOTO_PORT", 5000)),
            "sso": int(os.environ.get("SSO_PORT", 8090)),
            "billing": int(os.environ.get("BILLING_PORT", 8070)),
            "api": int(os.environ.get("API_PORT", 8000)),
            "admin": int(os.environ.get("ADMIN_PORT", 8080)),
            "portal": int(os.environ.get("PORTAL_PORT", 8081)),
            "cdn": int(os.environ.get("CDN_PORT", 8071)),
        }
        for name in ("portal", "cdn"):  # a caller that names its ports but not these: any free one
            if name not in self.ports:
                self.ports[name] = _free_port()
        self.state = state_dir or STATE
        self.tick_seconds = tick_seconds
        self.url = {k: f"http://127.0.0.1:{p}" for k, p in self.ports.items()}
        self.procs: list[tuple[str, subprocess.Popen[bytes]]] = []
        self.catalog_items = catalog_items
        self.quiet = quiet
        self.env: dict[str, str] = {}

    def spawn(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        self.state.mkdir(parents=True, exist_ok=True)
        logfile = open(self.state / f"{name}.log", "ab")  # noqa: SIM115 - kept open for the child's lifetime
        out = logfile if self.quiet else None
        proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT if out else None,
                                start_new_session=True)
        self.procs.append((name, proc))
        return proc

    def base_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update({
            "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", "AWS_DEFAULT_REGION": "ap-southeast-3",
            "AWS_REGION": "ap-southeast-3", "AWS_ENDPOINT_URL": self.url["moto"], "PYTHONUNBUFFERED": "1",
        })
        env.pop("AWS_PROFILE", None)
        return env

    def start(self) -> dict[str, str]:
        busy = [f"{k}:{p}" for k, p in self.ports.items() if not port_free(p)]
        if busy:
            raise SystemExit(f"ports in use: {', '.join(busy)} — is another `make dev` running? "
                             "Stop it, or set MOTO_PORT/SSO_PORT/BILLING_PORT/API_PORT/ADMIN_PORT/PORTAL_PORT/"
                             "CDN_PORT.")
        t0 = time.monotonic()
        env = self.base_env()
        # moto's server with one API call at a time: DynamoDB's atomic conditions hold (local/moto_server.py)
        self.spawn("moto", [PY, "-m", "local.moto_server", "-H", "127.0.0.1", "-p", str(self.ports["moto"])], env)
        wait_http(self.url["moto"] + "/moto-api/")
        req = urllib.request.Request(self.url["moto"] + "/moto-api/config", method="POST",
                                     data=json.dumps({"stepfunctions": {"execute_state_machine": True}}).encode(),
                                     headers={"Content-Type": "application/json"})
        urllib.request.urlopen(req, timeout=5).read()
        log(f"AWS (moto, Step Functions executing) on {self.url['moto']}")

        os.environ.update({k: v for k, v in env.items() if k.startswith("AWS_")})
        import boto3

        from local.provision import provision

        private_pem, public_pem = self.downloads_key()
        app_env = provision(prefix="silastik-local", region="ap-southeast-3", session=boto3.session.Session(),
                            admin_origins=[self.url["admin"], f"http://localhost:{self.ports['admin']}",
                                           # the portal's consumers upload attachments to the bucket too (issue 19)
                                           self.url["portal"], f"http://localhost:{self.ports['portal']}"],
                            downloads_signing_key=private_pem)
        secret = os.environ.get("BILLING_WEBHOOK_SECRET", "local-dev-webhook-secret")
        app_env.update({
            "STAGE": "local", "OIDC_ISSUER": self.url["sso"], "BILLING_BASE_URL": self.url["billing"],
            "BILLING_PROVIDER": "simulator", "BILLING_WEBHOOK_SECRET": secret,
            "PORTAL_URL": self.url["portal"], "ADMIN_URL": self.url["admin"],
            "CORS_ORIGINS": f"{self.url['admin']},http://localhost:{self.ports['admin']},"
                            f"{self.url['portal']},http://localhost:{self.ports['portal']}",
            "SEARCH_LOCAL_ROOT": str(self.state / "search-cache"),
            "POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": os.environ.get("POWERTOOLS_LOG_LEVEL", "INFO"),
            "SCHEDULE_TICK_SECONDS": str(self.tick_seconds or os.environ.get("SCHEDULE_TICK_SECONDS", "60")),
            # downloads through the distribution's stand-in (local/cdn_sim.py), signed as in AWS
            "DOWNLOADS_CDN_URL": self.url["cdn"], "DOWNLOADS_CDN_KEY_ID": LOCAL_DOWNLOADS_KEY_ID,
        })
        os.environ.update(app_env)
        log("provisioned tables, queues (with DLQs), buckets, SES identity and the fulfilment state machine")

        from local.seed import seed_all

        if self.seed:
            counts = seed_all(self.catalog_items)
            log(f"seeded demo data: {counts}")
        else:
            log("no demo seed: bootstrap an admin (scripts/bootstrap_admin.py), then create staff and units "
                "through the API; SSO tokens carry no staff roles")

        full = {**env, **app_env}
        if not self.seed:
            full["SSO_STAFF_ROLES"] = "0"  # the SSO only authenticates; the staff directory grants staff roles
        self.env = full
        self.spawn("sso", [PY, "-m", "local.sso", "--port", str(self.ports["sso"]), "--issuer", self.url["sso"],
                           "--key-dir", str(self.state / "sso"), "--cors-origin", self.url["admin"],
                           "--cors-origin", f"http://localhost:{self.ports['admin']}",
                           "--cors-origin", self.url["portal"], "--cors-origin", f"http://localhost:{self.ports['portal']}",
                           "--client", f"silastik-admin={self.url['admin']}/",
                           "--client", f"silastik-admin=http://localhost:{self.ports['admin']}/",
                           "--client", f"silastik-portal={self.url['portal']}/",
                           "--client", f"silastik-portal=http://localhost:{self.ports['portal']}/"], full)
        self.spawn("billing", [PY, "-m", "local.billing_sim", "--port", str(self.ports["billing"]), "--webhook-url",
                               f"{self.url['api']}/webhooks/billing", "--secret", secret,
                               "--state-file", str(self.state / "billing.json")], full)
        self.spawn("cdn", [PY, "-m", "local.cdn_sim", "--port", str(self.ports["cdn"]), "--public-key", public_pem,
                           "--key-id", LOCAL_DOWNLOADS_KEY_ID, "--bucket", app_env["DELIVERABLES_BUCKET"]], full)
        self.spawn("api", [str(Path(PY).parent / "chalice"), "local", "--stage", "local", "--host", "127.0.0.1",
                           "--port", str(self.ports["api"]), "--no-autoreload"], full)
        self.spawn("worker", [PY, "-m", "local.worker"], full)
        self.spawn("admin", [PY, "-m", "local.static_server", "--port", str(self.ports["admin"]), "--api-url",
                             self.url["api"], "--sso-url", self.url["sso"], "--s3-url", self.url["moto"]], full)
        self.spawn("portal", [PY, "-m", "local.static_server", "--app", "portal", "--port", str(self.ports["portal"]),
                              "--api-url", self.url["api"], "--sso-url", self.url["sso"], "--s3-url", self.url["moto"],
                              "--billing-url", self.url["billing"]], full)
        wait_http(self.url["sso"] + "/.well-known/openid-configuration")
        wait_http(self.url["billing"] + "/health")
        wait_http(self.url["cdn"] + "/health")
        wait_http(self.url["api"] + "/health", timeout_s=90)
        wait_http(self.url["admin"] + "/")
        wait_http(self.url["portal"] + "/")
        log(f"all up in {time.monotonic() - t0:.1f} s:")
        for name, label in [("api", "API (chalice local)"), ("admin", "admin page"), ("portal", "public portal"),
                            ("moto", "AWS (moto)"),
                            ("sso", "SSO (OIDC issuer)"), ("billing", "billing simulator"),
                            ("cdn", "downloads (CloudFront stand-in)")]:
            log(f"  {label:22s} {self.url[name]}")
        log("  worker                 polling SQS; scheduled handlers every "
            f"{full['SCHEDULE_TICK_SECONDS']} s")
        log("demo users: consumer1 consumer2 staff1 operator1 operator2 operator3 supervisor1 producer1 admin1 "
            "(password: demo)")
        (self.state / "env.json").write_text(json.dumps({k: v for k, v in app_env.items()}, indent=2))
        return full

    def downloads_key(self) -> tuple[str, str]:
        """(PEM private key, path of the PEM public key) of the local downloads distribution, made once per state
        directory (scripts/downloads_key.py makes the real one)."""
        from scripts.downloads_key import new_key_pair

        folder = self.state / "cdn"
        private, public = folder / "private.pem", folder / "public.pem"
        if not (private.exists() and public.exists()):
            folder.mkdir(parents=True, exist_ok=True)
            priv, pub = new_key_pair()
            private.write_text(priv)
            private.chmod(0o600)
            public.write_text(pub)
        return private.read_text(), str(public)

    def stop(self) -> None:
        for _name, proc in reversed(self.procs):
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + 5
        for _name, proc in self.procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        self.procs.clear()

    def watch(self) -> None:
        while True:
            for name, proc in self.procs:
                if proc.poll() is not None:
                    raise SystemExit(f"{name} exited with {proc.returncode}; see {self.state}/{name}.log")
            time.sleep(1)


def main() -> None:
    import argparse

    p = argparse.ArgumentParser(description="Start the SILASTIK local stack")
    p.add_argument("--catalog-items", type=int, default=int(os.environ.get("DEMO_CATALOG_ITEMS", 3000)))
    p.add_argument("--quiet", action="store_true", help="send service logs to .devstack/<service>.log")
    a = p.parse_args()
    stack = Stack(a.catalog_items, a.quiet, seed=os.environ.get("SEED", "1") != "0")
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        stack.start()
        log("press Ctrl-C to stop everything")
        stack.watch()
    except KeyboardInterrupt:
        log("stopping…")
    finally:
        stack.stop()
        log("stopped")




if __name__ == "__main__":
    main()
