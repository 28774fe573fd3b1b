"""The launch checks of this deployment: the dialer's checks with the speech stack's models.

``dialer.campaigns.launch.LaunchChecks`` checks a campaign's scripts itself and asks a
``SpeechModels`` adapter whether its language has a speech model; the adapter is here,
where both the dialer and the speech stack are known (the dialer does not import it).
"""

from __future__ import annotations

from dialer.campaigns.config import DialerSettings
from dialer.campaigns.launch import LaunchChecks
from dialogue.speech.asr_models import ModelRegistry
from dialogue.speech.settings import SpeechSettings
from kernel.settings import Settings, load_settings


class InstalledSpeechModels:
    """``SpeechModels`` over the model registry the media endpoint loads models from;
    without settings, the environment's, read when first asked (the CLI root)."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings

    def problem(self, language: str) -> str | None:
        if self.settings is None:
            self.settings = load_settings()
        status = ModelRegistry(SpeechSettings(data_dir=self.settings.data_dir)).status(language)
        if status.location is not None:
            return None
        return f"{status.problem}; fix: {status.fix}"


def launch_checks(settings: Settings | None = None) -> LaunchChecks:
    return LaunchChecks(InstalledSpeechModels(settings), packs_dir=DialerSettings().rulepacks_dir)
