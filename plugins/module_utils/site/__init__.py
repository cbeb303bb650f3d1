# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Publishing a static site (the Angular app) to S3 behind CloudFront.

scan (the dist) → rules (Cache-Control) → plan (sync and retention) →
invalidation (the cheapest path set) → cloudfront (the call) → publish (the
phases, rollback, verification through the edge), with bucket.py the only
part that talks to S3 and verify.py the only part that talks HTTP.
"""
