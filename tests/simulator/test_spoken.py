"""Personas say what the fit set's customers say, not the scripts' phrases."""

from __future__ import annotations

import random

from simulator.personas import PersonaPolicy, load_personas
from simulator.sidechannel import BotPrompt
from simulator.spoken import spoken_replies


def test_a_persona_draws_its_words_from_the_fit_set_for_the_state() -> None:
    spoken = spoken_replies("points_reminder", "zh-CN")
    confirms = set(spoken.by_state["identity"]["confirm"])
    assert spoken.say(random.Random(1), "identity", "confirm_identity") in confirms
    assert spoken.say(random.Random(1), "points_info#B", "ask_how") in set(
        spoken.by_state["points_info"]["how_to"]
    )
    assert spoken.say(random.Random(1), None, "yes") is None
    policy = PersonaPolicy(load_personas()["interested"], "zh-CN", seed=3, call_key="k")
    policy.draw_from(spoken)
    reply = policy.reply(BotPrompt("identity", "请问您是王芳本人吗？"))
    assert reply.intent == "confirm_identity" and reply.text in confirms
