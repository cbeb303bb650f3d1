# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The compliance report: evidence collected once, controls judged over it, deterministic reports.

``evidence`` (the collector), ``controls`` (the catalogue and the framework's rules),
``exceptions`` (accepted risks with an expiry), ``diff`` (against the previous report),
``report`` (JSON OCSF-shaped, Markdown, JUnit, SARIF, the console summary) and
``runner`` (the module's entry). See docs/compliance.md.
"""
