"""The words ``scripts.understanding`` reads by rule rather than by phrase or classifier:
sounds of assent that answer "is that you?", words of not hearing the bot, and words of
asking who calls. Data only.
"""

from __future__ import annotations

# Sounds of assent that answer "is that you?" on their own (after the reply's punctuation
# and spaces are removed; a question mark makes them a question); recognition spells 嗯 as 恩.
BARE_YES = {
    "zh": frozenset(
        {"嗯", "嗯嗯", "嗯嗯嗯", "嗯哼", "嗯呢", "嗯呐", "恩", "恩恩", "昂", "en", "ng"}
    ),
    "ko": frozenset({"응", "응응", "넹", "네네", "예예"}),
}
# Words of not hearing the bot (normalised; 再 heard as 在): a reply saying them asks for
# the prompt again, so the classifier's "who is calling" and a short phrase inside it
# (你说 in 听不清，你说的是谁) do not decide it.
HEARING = {
    "zh": (
        "听不清",
        "没听清",
        "听不太清",
        "听不见",
        "没听见",
        "听不到",
        "没听到",
        "信号不好",
        "再说一遍",
        "在说一遍",
        "再说一次",
        "大声点",
        "大点声",
        "断断续续",
        "声音小",
        "声音太小",
        "声音好小",
        # no sound from the bot: its 没/不 is no refusal (喂？怎么没声了)
        "没声",
        "没有声音",
        "没动静",
        "不说话",
    )
}
# Words of asking who or what is calling (哪个银行, 你是谁, 是机器吧): a reply of not hearing
# without one (喂，你声音断断续续的) asks for the prompt again, it does not ask who calls.
CALLER_WORDS = {"zh": ("谁", "哪", "什么", "啥", "干嘛", "机器", "真人", "电脑", "录音", "智能")}
# "who did you say" (the name asked for), not "who are you"
WHO_SAID = ("找谁", "说谁", "说的谁", "说的是谁", "问谁", "叫谁")
