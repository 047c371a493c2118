"""`make package`: the deployable SAM template, in build/ by default.

    python -m scripts.package [--stage prod] [OUT_DIR]

Runs `chalice package --merge-template infra/resources.json`, then applies the stage's API Gateway throttling
from `.chalice/config.json` (`stages.<stage>.api_gateway_throttling`: `burst_limit`, `rate_limit`) to every
method of the REST API — Chalice has no setting of its own for it — and copies the state machine definitions
beside the template (its `DefinitionUri` is relative)."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def throttling(config: dict[str, Any], stage: str) -> dict[str, int]:
    t = (config.get("stages", {}).get(stage, {}).get("api_gateway_throttling")
         or config.get("api_gateway_throttling") or {})
    out = {}
    if "burst_limit" in t:
        out["ThrottlingBurstLimit"] = int(t["burst_limit"])
    if "rate_limit" in t:
        out["ThrottlingRateLimit"] = float(t["rate_limit"])
    return out


def apply_throttling(template: dict[str, Any], config: dict[str, Any], stage: str) -> dict[str, Any]:
    limits = throttling(config, stage)
    if not limits:
        return template
    props = template["Resources"]["RestAPI"].setdefault("Properties", {})
    settings = props.setdefault("MethodSettings", [{"ResourcePath": "/*", "HttpMethod": "*"}])
    for s in settings:
        s.update(limits)
    return template


def package(stage: str, out: Path) -> dict[str, Any]:
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    env = {**os.environ, "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "ap-southeast-3")}
    env.pop("AWS_ENDPOINT_URL", None)
    chalice = Path(sys.executable).parent / "chalice"
    subprocess.run([str(chalice), "package", "--stage", stage, "--merge-template", "infra/resources.json",
                    str(out)], cwd=ROOT, env=env, check=True)
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    template = apply_throttling(json.loads((out / "sam.json").read_text()), config, stage)
    (out / "sam.json").write_text(json.dumps(template, indent=2) + "\n")
    shutil.copytree(ROOT / "statemachines", out / "statemachines")
    return template


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stage", default="prod")
    parser.add_argument("out", nargs="?", default="build")
    args = parser.parse_args(argv)
    tpl = package(args.stage, Path(args.out).resolve())
    limits = tpl["Resources"]["RestAPI"]["Properties"].get("MethodSettings", [{}])[0]
    print(f"packaged stage {args.stage} into {args.out}/sam.json (throttling: burst "
          f"{limits.get('ThrottlingBurstLimit')}, rate {limits.get('ThrottlingRateLimit')}/s)")


if __name__ == "__main__":
    main()
