# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The later FSBP controls of CloudFront and S3: data plus one small pure function each (see controls.py).

Imported by controls.py at its end, after the helpers this module uses: import controls, never this module first.
"""

from __future__ import annotations

from ansible_collections.slipway.aws.plugins.module_utils.compliance.controls import Control

CATALOGUE: list[Control] = []
