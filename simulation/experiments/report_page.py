"""What every HTML report of growthsim shares: the page, its figures as inline SVG, numbers
written the same way. report.py (runs, comparisons) and calibration_report.py use it."""

from __future__ import annotations

import html
import io

import matplotlib

matplotlib.use("Agg")   # no display: reports are made on CI runners too
import matplotlib.pyplot as plt  # noqa: E402


def svg(figure) -> str:
    out = io.StringIO()
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
<html lang="en"><head><meta charset="utf-8">""" + GENERATOR + """<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; }}
h1 {{ font-size: 1.5rem; }} h2 {{ font-size: 1.15rem; margin-top: 2rem; }}
table {{ border-collapse: collapse; font-size: 0.9rem; }}
td, th {{ padding: 0.2rem 0.8rem; border-bottom: 1px solid #ddd; text-align: right; }}
td:first-child, th:first-child {{ text-align: left; }}
figure {{ margin: 1rem 0; }} svg {{ max-width: 100%; height: auto; }}
.meta {{ color: #666; font-size: 0.9rem; }}
</style></head><body>
<h1>{title}</h1><p class="meta">{meta}</p>
{body}
</body></html>
"""


def sections_html(sections: list[tuple[str, str]]) -> str:
    return "\n".join(f"<h2>{html.escape(title)}</h2><figure>{content}</figure>" for title, content in sections)


