"""The PIN keypad's message on the dialogue socket (``{"pin": {"new", "repeat"}}``): a malformed one is refused
with a reason and the connection stays usable; one with no PIN change under way gets a clear answer, and
neither echoes the digits."""

from __future__ import annotations

import json

from branchops.settings import PlatformSettings
from tests.integration.test_voice_dialogue import BRANCH, KIOSK, queue_url, voice_client

__all__ = ["queue_url"]  # the fixture, shared with test_voice_dialogue.py


def test_the_pin_message_is_checked_and_never_echoed(
    platform: PlatformSettings, redis_url: str, queue_url: str
) -> None:
    with (
        voice_client(platform, redis_url, queue_url) as client,
        client.websocket_connect(f"/v1/dialogue?branch_id={BRANCH}&kiosk_id=k9&lang=zh", headers=KIOSK) as ws,
    ):
        assert ws.receive_json()["reply"]["outcome"] == "greeted"
        ws.send_text(json.dumps({"pin": {"new": 582914, "repeat": "582914"}}))
        refused = ws.receive_json()
        assert refused["reason"] == "bad_pin" and "582914" not in json.dumps(refused)
        ws.send_text(json.dumps({"pin": {"new": "582914", "repeat": "582914"}}))
        answered = ws.receive_json()["reply"]
        assert "现在没有在修改密码" in answered["reply"] and "582914" not in json.dumps(answered)
        assert answered["outcome"] == "acknowledged" and answered["end"] is None
        ws.send_text(json.dumps({"text": "你好"}))
        assert ws.receive_json()["reply"]["outcome"] == "greeted"
