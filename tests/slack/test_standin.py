"""The Slack stand-in's own contract where the benchmarks lean on it: forgetting past calls and views."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError

from bot.slack.client import make_web_client
from bot.slack.sandbox.webapi import SlackStandIn


def test_forget_history_drops_calls_and_views_but_keeps_the_workspace() -> None:
    with SlackStandIn() as slack:
        client = make_web_client("xoxb-test", slack.api_url)
        channel = client.conversations_create(name="incident-room", is_private=True)["channel"]["id"]
        opened = client.api_call("views.open", json={"trigger_id": "t-1", "view": {"type": "modal"}})
        client.chat_postMessage(channel=channel, text="kept")
        assert [call.method for call in slack.calls] == ["conversations.create", "views.open", "chat.postMessage"]

        slack.forget_history()

        assert slack.calls == [] and slack.views == {}
        assert slack.channels[channel].name == "incident-room"
        assert [message["text"] for message in slack.messages_in(channel)] == ["kept"]
        # A forgotten view is gone, as a closed one is from Slack: updating it is refused.
        with pytest.raises(SlackApiError) as refused:
            client.api_call("views.update", json={"view_id": opened["view"]["id"], "view": {"type": "modal"}})
        assert refused.value.response["error"] == "not_found"
        client.api_call("views.open", json={"trigger_id": "t-2", "view": {"type": "modal"}})
        assert [call.method for call in slack.calls] == ["views.update", "views.open"]
        assert len(slack.views) == 1
