"""Reading the app's settings safely: a stored value is only used where it is of the kind the app keeps there."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings

_QT_INT_LIMIT = 2 ** 31  # Qt's int is 32 bits: a larger number raised OverflowError in the call handed it


def setting(settings: QSettings, key: str, default):
    """`settings`' value under `key` as the kind `default` is (bool, int, float, list of str, bytes, else text);
    `default` where what is stored is not of that kind. A hand edit (INI reads "a, b" as a list), a sync tool or an
    option whose type changed between versions leaves such values, and converted or handed to a Qt call one raised:
    a single bad value in the settings file stopped the app from starting, every time."""
    value = settings.value(key, default)
    if isinstance(default, bool):  # before int, which it is too; INI keeps it as "true" or "false"
        return value in (True, "true") if value in (True, False, "true", "false") else default
    if isinstance(default, (int, float)):
        try:
            number = type(default)(value)  # INI keeps a number as its text, native formats as a number
        except (TypeError, ValueError, OverflowError):
            return default
        return number if abs(number) < _QT_INT_LIMIT else default  # nan and infinity too
    if isinstance(default, list):
        if isinstance(value, str):  # INI reads a list of one item back as the item
            return [value] if value else []
        return value if isinstance(value, list) and all(isinstance(item, str) for item in value) else default
    if isinstance(default, (bytes, QByteArray)):
        return value if isinstance(value, (bytes, QByteArray)) else default
    return value if isinstance(value, str) else default
