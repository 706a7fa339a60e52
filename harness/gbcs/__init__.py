"""GBCS codec: framing (MAC and grouping headers), date-time, payloads, security."""

from harness.gbcs.datetime import ClockSource, ClockStatus, DateTime, Reliability
from harness.gbcs.frame import Cra, GbcsMessage, OtherInformation, encode_message, parse_message

__all__ = [
    "ClockSource",
    "ClockStatus",
    "Cra",
    "DateTime",
    "GbcsMessage",
    "OtherInformation",
    "Reliability",
    "encode_message",
    "parse_message",
]
