# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The later FSBP controls of IAM and KMS: data plus one small pure function each (see controls.py).

Its CATALOGUE joins controls.py's in ``controls.catalogue()`` (``controls.CONTROLS``), which imports this module on first use.
"""

from __future__ import annotations

from ansible_collections.slipway.aws.plugins.module_utils.compliance.controls import Control

CATALOGUE: list[Control] = []
