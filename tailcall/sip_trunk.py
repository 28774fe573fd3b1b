"""The SIP trunk in a tailcall process (``TAILCALL_CARRIER=sip``): dialer and pipeline joined.

``build_sip_carrier`` makes the dialer's ``SipCarrier`` from ``TAILCALL_SIP_*``: each
call's progress is written to its attempt (``dialer.campaigns.carrier_events``), and an
answered call runs the speech pipeline of this process's runtime
(``dialogue.speech.sip_media``), so recording, transcripts, takeover and the outcome
record are those of a media-stream call. ``sip_dialer_settings`` keeps the dial loop
within the trunk's lines and calls per second. The trunk lives on the app's event loop
(started and stopped by the app's lifespan), where the console's takeover audio runs too.
"""

from __future__ import annotations

from dialer.campaigns.carrier_events import CarrierEventRecorder
from dialer.campaigns.config import DialerSettings
from dialer.carriers.sip.carrier import SipCarrier
from dialer.carriers.sip.config import TrunkConfig
from dialer.carriers.sip.settings import SipSettings
from dialogue.speech.pipeline import SpeechRuntime
from dialogue.speech.sip_media import sip_call_handler
from kernel.db import Database
from kernel.settings import Settings


def build_sip_carrier(
    settings: Settings,
    db: Database,
    ds: DialerSettings,
    runtime: SpeechRuntime | None,
    sip: SipSettings | None = None,
    *,
    config: TrunkConfig | None = None,
) -> SipCarrier:
    """The trunk as the dialer's carrier (``SipSettingsError`` names a bad variable)."""
    sip = sip or SipSettings()
    return SipCarrier(
        config or sip.trunk_config(),
        on_status=CarrierEventRecorder(db, ds, settings.default_timezone),
        on_answered=sip_call_handler(runtime) if runtime is not None else None,
        allowed_caller_ids=sip.allowed_caller_ids,
        originate_timeout_s=ds.carrier_timeout_s,
    )


def sip_dialer_settings(ds: DialerSettings, config: TrunkConfig) -> DialerSettings:
    """The dial loop's global lines and calls per second, at most the trunk's."""
    return ds.model_copy(
        update={
            "lines": min(ds.lines, config.max_concurrent_calls),
            "calls_per_second": min(ds.calls_per_second, config.max_calls_per_second),
        }
    )
