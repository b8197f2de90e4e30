"""User names and passwords: the rules an account must meet, and look-alike names.

Two names that a person would read as the same name are the same account name: ``Alice``,
``ａｌｉｃｅ`` (full width) and ``аlice`` (with a Cyrillic ``а``) all have the key ``alice``. The
key is NFKC-normalised, case-folded, and each Cyrillic or Greek letter that looks like a Latin
one is replaced by it (a short table after Unicode's confusables list, which covers the letters
of these scripts that are drawn the same). A name must also be written in one script, so that
``раураl`` cannot pass for ``paypal`` by one letter the table missed.
"""

from __future__ import annotations

import unicodedata

from semwb.errors import OptionError

MIN_PASSWORD = 10
PASSWORD_RULE = (f"at least {MIN_PASSWORD} characters, not all the same character and not only "
                 "spaces")
NAME_RULE = ("1-64 letters, digits, '.', '_' or '-', in one script (no mix of Latin and "
             "Cyrillic, say)")

_LOOK_ALIKE = str.maketrans({
    # Cyrillic
    "а": "a", "в": "b", "с": "c", "ԁ": "d", "е": "e", "һ": "h", "і": "i", "ј": "j", "к": "k",
    "ӏ": "l", "м": "m", "н": "h", "о": "o", "р": "p", "ԛ": "q", "ѕ": "s", "т": "t", "ц": "u",
    "ѵ": "v", "ԝ": "w", "х": "x", "у": "y", "ѡ": "w", "ɡ": "g",
    # Greek
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x", "γ": "y", "ϲ": "c",
    # digits and signs read as letters
    "0": "o", "1": "l", "|": "l",
})


def _script(char: str) -> str:
    """The script of a letter from its Unicode name (``LATIN``, ``CYRILLIC``, ``CJK``...)."""
    name = unicodedata.name(char, "")
    return name.split(" ")[0] if name else "UNKNOWN"


def name_key(name: str) -> str:
    """Return the key under which two look-alike names are the same account name."""
    return unicodedata.normalize("NFKC", name).casefold().translate(_LOOK_ALIKE)


def check_user_name(name: str) -> str:
    """Return the NFKC-normalised, stripped user name when acceptable, else raise OptionError."""
    clean = unicodedata.normalize("NFKC", name).strip()
    letters = [c for c in clean if c.isalpha()]
    scripts = {_script(c) for c in letters}
    if (not clean or len(clean) > 64 or len(scripts) > 1
            or any(not (c.isalnum() or c in "._-") for c in clean)):
        raise OptionError(f"A user name must be {NAME_RULE}; got {name!r}.")
    return clean


def check_new_password(password: str) -> str:
    """Return ``password`` when it is acceptable for a new account, else raise OptionError."""
    if len(password) < MIN_PASSWORD or len(set(password)) < 2 or not password.strip():
        raise OptionError(f"A password must have {PASSWORD_RULE}; choose another one.")
    return password
