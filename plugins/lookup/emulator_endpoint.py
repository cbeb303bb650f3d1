# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: emulator_endpoint
author: Slipway contributors (!UNKNOWN)
version_added: 0.2.0
short_description: The address of the local AWS emulator, from the one setting every entry point reads
description:
  - Returns the URL of the local AWS emulator (C(tools/local-aws)) the way C(make), C(tools/local-aws)
    and the local inventory all resolve it, so they can never point at different emulators.
  - C(SLIPWAY_EMULATOR_PORT) set gives C(http://127.0.0.1:PORT).
  - C(AWS_ENDPOINT_URL) set gives that URL.
  - Both set and naming different addresses is an error that names both; neither set gives the
    documented default C(http://127.0.0.1:4566).
options: {}
"""

EXAMPLES = r"""
slipway_aws:
  endpoint_url: "{{ lookup('slipway.aws.emulator_endpoint') }}"
"""

RETURN = r"""
_raw:
  description: The emulator's URL.
  type: list
  elements: str
"""

import os
import urllib.parse

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

DEFAULT_PORT = 4566


def resolve(environ: dict[str, str]) -> str:
    """The emulator URL; ValueError names the conflicting or malformed setting and the fix."""
    raw_port = environ.get("SLIPWAY_EMULATOR_PORT", "").strip()
    url = environ.get("AWS_ENDPOINT_URL", "").strip().rstrip("/")
    port = None
    if raw_port:
        if not raw_port.isdigit() or not 0 < int(raw_port) < 65536:
            raise ValueError(f"SLIPWAY_EMULATOR_PORT={raw_port!r} is not a TCP port. Fix: export SLIPWAY_EMULATOR_PORT=4566 (or another free port)")
        port = int(raw_port)
    if url:
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ValueError(f"AWS_ENDPOINT_URL={url!r} is not an http(s) URL. Fix: export AWS_ENDPOINT_URL=http://127.0.0.1:4566 or unset it")
        url_port = parsed.port or (443 if parsed.scheme == "https" else 80)
        if port is not None and (parsed.hostname not in ("127.0.0.1", "localhost") or url_port != port):
            raise ValueError(f"AWS_ENDPOINT_URL={url} and SLIPWAY_EMULATOR_PORT={port} name different emulators. Fix: unset one of them, or make them agree")
        return url
    return f"http://127.0.0.1:{port if port is not None else DEFAULT_PORT}"


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        try:
            return [resolve(dict(os.environ))]
        except ValueError as exc:
            raise AnsibleLookupError(str(exc)) from exc
