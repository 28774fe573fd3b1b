"""SIP headers read and written through sippy's header classes (sippy thread).

sippy is imported inside the functions, in the sippy thread (see ``sippy_thread``: its
dispatcher binds to the thread that imports it).
"""

from __future__ import annotations

from typing import Any

_GENERIC: Any = None  # sippy's generic header class, named as given (made in the sippy thread)


def header(name: str, value: str) -> Any:
    """A SIP header; ones sippy does not know keep the spelling given (not "Session-expires")."""
    global _GENERIC
    from sippy.SipHeader import SipHeader, hf_types

    if name.lower() in hf_types:
        return SipHeader(name=name, bodys=value)
    if _GENERIC is None:
        from sippy.SipGenericHF import SipGenericHF

        class Named(SipGenericHF):  # type: ignore[misc]
            def __init__(self, body: str, name: str | None = None) -> None:
                super().__init__(body, name)
                self.canonical = name

            def getCopy(self) -> Any:
                return self.__class__(self.body, self.canonical)

            def getCanName(self, name: str, compact: bool = False) -> str:
                return self.canonical or name.capitalize()

        _GENERIC = Named
    return SipHeader(name=name, body=_GENERIC(value, name))


def hf(msg: Any, name: str) -> str | None:
    """The text of header ``name`` (or None), whatever sippy's class for it."""
    try:
        if msg.countHFs(name) == 0:
            return None
        return str(msg.getHFBody(name))
    except Exception:
        return None
