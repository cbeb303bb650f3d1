"""The harness from a shell or a molecule playbook (run from the repository root):

    python -m tests.support up            # the emulator the environment names, started if it is not running
    python -m tests.support down
    python -m tests.support copy-code DEST [--rev REV]
    python -m tests.support apply WORK [--timeout S]
    python -m tests.support ports [--port P] [--base B]

``up``/``down`` take the emulator from SLIPWAY_EMULATOR_PORT,
SLIPWAY_LISTENER_PORT_BASE and SLIPWAY_EMULATOR_STATE_DIR (all three must be
set, and the ports outside the ephemeral range): never the developer's
default emulator by accident. ``ports`` prints free ones to set.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .emulator import Emulator, EmulatorError, pick_listener_base, pick_port
from .terraform import TerraformError, apply_foundation, copy_code

REQUIRED = ("SLIPWAY_EMULATOR_PORT", "SLIPWAY_LISTENER_PORT_BASE", "SLIPWAY_EMULATOR_STATE_DIR")


def from_env() -> Emulator:
    missing = [name for name in REQUIRED if not os.environ.get(name)]
    if missing:
        raise EmulatorError(f"set {', '.join(missing)}: the harness never starts or stops an emulator it was not given explicitly")
    return Emulator(int(os.environ["SLIPWAY_EMULATOR_PORT"]), int(os.environ["SLIPWAY_LISTENER_PORT_BASE"]), Path(os.environ["SLIPWAY_EMULATOR_STATE_DIR"]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.support", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("up", help="start the emulator the environment names (left alone if it runs)")
    sub.add_parser("down", help="stop it")
    copy = sub.add_parser("copy-code", help="terraform/, inventories/, lambdas/ (packaged) into DEST, without local Terraform state")
    copy.add_argument("dest", type=Path)
    copy.add_argument("--rev", help="as committed at this git revision instead of the working tree")
    apply = sub.add_parser("apply", help="init + apply WORK/terraform/environments/local to the emulator the environment names")
    apply.add_argument("work", type=Path)
    apply.add_argument("--timeout", type=float, default=600)
    ports = sub.add_parser("ports", help="print a free emulator port and listener base outside the ephemeral range")
    ports.add_argument("--port", type=int, default=4610)
    ports.add_argument("--base", type=int, default=10000)
    args = parser.parse_args(argv)
    try:
        if args.cmd == "up":
            emulator = from_env()
            was_running = emulator.running()
            emulator.up(restart=False)
            print(f"emulator {'already running' if was_running else 'started'} on {emulator.endpoint} (listener base {emulator.listener_base})")
        elif args.cmd == "down":
            print(from_env().cli("down", timeout=60, check=False).stdout.strip())
        elif args.cmd == "copy-code":
            print(copy_code(args.dest, rev=args.rev))
        elif args.cmd == "apply":
            emulator = from_env()
            applied = apply_foundation(args.work, emulator.make_env(), timeout=args.timeout)
            # The end of what apply printed ("Apply complete! Resources: N added, ..."): a playbook reads it.
            print(applied.apply_log[-4000:].rstrip())
            print(f"applied in {applied.seconds:.0f} s: {applied.root}")
        elif args.cmd == "ports":
            print(f"SLIPWAY_EMULATOR_PORT={pick_port(args.port)} SLIPWAY_LISTENER_PORT_BASE={pick_listener_base(args.base)}")
    except (EmulatorError, TerraformError, RuntimeError) as exc:
        print(f"tests.support {args.cmd}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
