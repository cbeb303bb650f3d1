# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Disaster-recovery runbooks: one framework (core.py, report.py) and one module per runbook (pitr.py).

Standard library and Slipway's AWS idiom only at import time; boto3 comes through module_utils.aws and
pg8000 is imported when a database connection is made.
"""
