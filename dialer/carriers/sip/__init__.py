"""SIP trunk for outbound calls: signalling with sippy, RTP media over aiortp's packets.

``SipTrunk`` (``ua``) places calls; each ``SipCall`` reports Ringing, Answered and one Ended
whose outcome is in the dialer's vocabulary (``outcomes``) and carries an ``RtpMedia``
(``rtp``) that sends and receives 8 kHz PCM16 in 20 ms frames.

Modules: ``config`` (TrunkConfig), ``outcomes``, ``sdp``, ``g711``, ``jitter``, ``dtmf``,
``latch``, ``limits``, ``session_timer`` (pure decisions); ``ports``, ``rtp`` (media);
``sippy_thread`` (the one sippy thread and its patches), ``sippy_side`` (what runs in it),
``ua`` (the asyncio API). Nothing here imports the rest of the product.
"""
