"""What every HTML report of growthsim shares: the page, its figures as inline SVG, numbers
written the same way, the language of its words. report.py (runs, comparisons),
calibration_report.py and optimize_report.py use it.

The words are translated by the catalogue growthsim.i18n installed (simulation.kernel.language).
A chart's words need a font that draws them: in Chinese, charts use the first CJK font
installed (CJK_FONTS); with none, they keep English words (never boxes for missing glyphs)
and the page says so (`font_note`; the CLI warns on stderr)."""

from __future__ import annotations

import functools
import html
import io

import matplotlib

matplotlib.use("Agg")   # no display: reports are made on CI runners too
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import font_manager  # noqa: E402

from simulation.kernel.language import _, current  # noqa: E402

# Fonts that draw Simplified Chinese, preferred first: Debian's fonts-noto-cjk, Adobe's Source
# Han, fonts-wqy-zenhei / -microhei, Android's fallback, AR PL, then those of Windows and macOS.
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN", "WenQuanYi Zen Hei",
             "WenQuanYi Micro Hei", "Droid Sans Fallback", "AR PL UMing CN", "AR PL UKai CN", "Microsoft YaHei",
             "SimHei", "PingFang SC")
NEEDS_CJK = ("zh",)   # languages whose chart words need a CJK font


@functools.lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The first font of CJK_FONTS installed (as matplotlib finds fonts), or None."""
    installed = {entry.name for entry in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def charts_in_english() -> bool:
    """The language needs a CJK font and none is installed: chart words stay English."""
    return current() in NEEDS_CJK and cjk_font() is None


def chart_(message: str) -> str:
    """A chart's word: translated, unless no installed font could draw the translation."""
    return message if charts_in_english() else _(message)


def font_note() -> str:
    """The page's note when the charts had to keep English (empty otherwise)."""
    if not charts_in_english():
        return ""
    return ('<p class="meta">' + html.escape(_("The charts are labelled in English: no font that draws Chinese is "
                                                "installed. On Debian or Ubuntu, install fonts-noto-cjk and write "
                                                "the report again.")) + "</p>")


def svg(figure) -> str:
    out = io.StringIO()
    font = cjk_font() if current() in NEEDS_CJK else None
    settings = {"font.sans-serif": [font, *plt.rcParams["font.sans-serif"]], "axes.unicode_minus": False} if font else {}
    with plt.rc_context(settings):   # fonts are looked up when drawn: here, for the text of the whole figure
        figure.savefig(out, format="svg", bbox_inches="tight")
    plt.close(figure)
    text = out.getvalue()
    return text[text.index("<svg"):]


def number(x) -> str:
    if x is None:
        return "–"
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}"


GENERATOR = '<meta name="generator" content="growthsim">'   # how a report growthsim wrote is known again

PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">""" + GENERATOR + """<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; }}
h1 {{ font-size: 1.5rem; }} h2 {{ font-size: 1.15rem; margin-top: 2rem; }}
table {{ border-collapse: collapse; font-size: 0.9rem; }}
td, th {{ padding: 0.2rem 0.8rem; border-bottom: 1px solid #ddd; text-align: right; }}
td:first-child, th:first-child {{ text-align: left; }}
figure {{ margin: 1rem 0; }} svg {{ max-width: 100%; height: auto; }}
.meta {{ color: #666; font-size: 0.9rem; }}
</style></head><body>
<h1>{title}</h1><p class="meta">{meta}</p>{note}
{body}
</body></html>
"""


def page(title: str, meta: str, body: str) -> str:
    """The whole page: the title and meta line escaped here, the body as HTML already."""
    return PAGE.format(lang="zh-CN" if current() == "zh" else "en", title=html.escape(title), meta=html.escape(meta),
                       note=font_note(), body=body)


def sections_html(sections: list[tuple[str, str]]) -> str:
    return "\n".join(f"<h2>{html.escape(title)}</h2><figure>{content}</figure>" for title, content in sections)


