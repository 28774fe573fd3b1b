"""SIP trunk: signalling (sippy) and RTP media (aiortp) for outbound calls."""
