# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Release notifications: Slack incoming webhook (URL kept in Secrets Manager) and SNS.

A notification that cannot be delivered never changes a release's outcome;
the failure is reported back (without the webhook URL, which is a secret).
"""

from __future__ import annotations

import json
import urllib.error
from typing import Any

from ansible_collections.slipway.aws.plugins.module_utils.aws import Aws, call
from ansible_collections.slipway.aws.plugins.module_utils.errors import AwsError

_ICON = {
    "started": ":rocket:",
    "succeeded": ":white_check_mark:",
    "rolled_back": ":rotating_light:",
    "failed": ":x:",
    "repaired": ":wrench:",
    "halted": ":octagonal_sign:",
}


def render_text(event: str, summary: dict[str, Any]) -> str:
    head = f"{_ICON.get(event, '')} {summary['service']} ({summary['environment']}) release {summary['release_id']}: {event.replace('_', ' ')}"
    lines = [head.strip(), f"image {summary.get('image_tag')} {summary.get('image_digest', '')}".strip()]
    if summary.get("train_id"):
        lines.append(f"train {summary['train_id']}")
    if summary.get("message"):
        lines.append(summary["message"])
    for gate in summary.get("gates", []):
        if gate["status"] != "PASS":
            lines.append(f"gate {gate['gate']} step {gate.get('step')}: {gate['status']} — {gate['summary']}")
    return "\n".join(lines)


class Notifier:
    def __init__(self, aws: Aws, slack_secret_id: str | None, sns_topic_arn: str | None, timeout: float = 5.0) -> None:
        self.aws = aws
        self.slack_secret_id = slack_secret_id
        self.sns_topic_arn = sns_topic_arn
        self.timeout = timeout
        self._webhook: str | None = None
        self.problems: list[str] = []
        self.sent: list[str] = []

    def _webhook_url(self) -> str | None:
        if self._webhook is None and self.slack_secret_id:
            try:
                value = call(self.aws.client("secretsmanager"), "get_secret_value", SecretId=self.slack_secret_id)["SecretString"]
            except (AwsError, KeyError) as exc:
                code = getattr(exc, "code", type(exc).__name__)
                hint = " (the secret has no value yet: put the incoming-webhook URL in it)" if code == "ResourceNotFoundException" else ""
                self.problems.append(f"slack: not notified, cannot read webhook secret {self.slack_secret_id}: {code}{hint}")
                self.slack_secret_id = None
                return None
            value = value.strip()
            if value.startswith("{"):
                value = json.loads(value).get("url", "")
            self._webhook = value
        return self._webhook

    def send(self, event: str, summary: dict[str, Any]) -> None:
        text = render_text(event, summary)
        url = self._webhook_url()
        if url:
            # Imported when there is a webhook to post to: a module that notifies only by SNS, or not at all, skips it.
            from ansible.module_utils.urls import ConnectionError as UrlConnectionError  # pylint: disable=import-outside-toplevel
            from ansible.module_utils.urls import SSLValidationError, open_url  # pylint: disable=import-outside-toplevel

            payload = {
                "text": text,
                "slipway": {
                    "event": event,
                    "release": {k: summary.get(k) for k in ("service", "environment", "release_id", "image_tag", "image_digest", "outcome")}
                    | ({"train_id": summary["train_id"]} if summary.get("train_id") else {}),
                },
            }
            try:
                resp = open_url(url, data=json.dumps(payload), headers={"Content-Type": "application/json"}, method="POST", timeout=self.timeout)
                resp.read()
                self.sent.append(f"slack:{event}")
            except (urllib.error.URLError, OSError, UrlConnectionError, SSLValidationError) as exc:
                reason = getattr(exc, "code", None) or type(exc).__name__
                self.problems.append(f"slack: {event} not delivered ({reason})")
        if self.sns_topic_arn:
            try:
                call(
                    self.aws.client("sns"),
                    "publish",
                    TopicArn=self.sns_topic_arn,
                    Subject=f"slipway {summary['service']} {event}"[:99],
                    Message=json.dumps({"event": event, "text": text, "release": summary}, default=str),
                )
                self.sent.append(f"sns:{event}")
            except AwsError as exc:
                self.problems.append(f"sns: {event} not delivered ({exc.code})")
