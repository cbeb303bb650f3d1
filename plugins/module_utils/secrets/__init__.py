# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Secrets Manager secrets Slipway rotates.

pg_rotation.py is the rotation of PostgreSQL credentials (the four steps of
Secrets Manager's rotation protocol, single user or alternating users). It is
standalone (standard library, boto3, pg8000): tools/package-lambdas copies the
same file into the rotation Lambda's zip.
"""
