"""The app's words in the language spoken: `_` and `ngettext` read the `tui` catalogue
(growthsim/locale/*/LC_MESSAGES/tui.po, docs/translating.md). `N_` marks a string for the
extraction where it is defined (a binding, a constant), to be translated where it is shown:
the app switches language while it runs, so nothing is translated once at import."""

from __future__ import annotations

from growthsim.i18n import tui_gettext as _
from growthsim.i18n import tui_ngettext as ngettext

__all__ = ["_", "ngettext", "N_"]


def N_(message: str) -> str:
    return message
