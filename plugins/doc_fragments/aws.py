# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AWS connection options every Slipway module takes (amazon.aws's names and aliases).

The argument spec that matches these options is
``plugins/module_utils/aws.py:AWS_ARGUMENT_SPEC``; a unit test keeps the two equal.
"""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  region:
    description:
      - The AWS region.
      - When unset, boto3 reads C(AWS_REGION) or C(AWS_DEFAULT_REGION), then the profile's configuration.
    type: str
    aliases: [aws_region]
  endpoint_url:
    description:
      - URL to connect to instead of the default AWS endpoints, for example the local emulator.
      - When unset, boto3 reads C(AWS_ENDPOINT_URL).
    type: str
    aliases: [aws_endpoint_url]
  access_key:
    description:
      - AWS access key ID.
      - When unset, boto3 reads C(AWS_ACCESS_KEY_ID), the profile or the instance role.
      - Mutually exclusive with O(profile).
    type: str
    aliases: [aws_access_key_id, aws_access_key]
  secret_key:
    description:
      - AWS secret access key.
      - When unset, boto3 reads C(AWS_SECRET_ACCESS_KEY), the profile or the instance role.
      - Mutually exclusive with O(profile).
    type: str
    aliases: [aws_secret_access_key, aws_secret_key]
  session_token:
    description:
      - AWS STS session token for temporary credentials.
      - When unset, boto3 reads C(AWS_SESSION_TOKEN).
      - Mutually exclusive with O(profile).
    type: str
    aliases: [aws_session_token]
  profile:
    description:
      - A named AWS profile.
      - When unset, boto3 reads C(AWS_PROFILE).
      - Mutually exclusive with O(access_key), O(secret_key) and O(session_token).
    type: str
    aliases: [aws_profile]
notes:
  - Every Slipway module is in the action group C(slipway.aws.aws), so a play sets the connection once with
    C(module_defaults) and C(group/slipway.aws.aws).
requirements:
  - boto3 >= 1.28
"""
