"""``report.html``: a run report in one self-contained file (summary tables, the ledger, every
figure embedded), made from the report's ``summary.md`` with the Markdown library, for a browser
or an e-mail without the PNGs beside it."""
from __future__ import annotations

import base64
import html
import re
from pathlib import Path

STYLE_CSS = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.92em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; }
th { background: #f3f3f3; }
img { max-width: 100%; }
code { background: #f5f5f5; padding: 0 0.2em; }
"""


def write_html(summary_md: Path, out_path: Path) -> Path:
    """``summary.md`` (and the PNGs it names, from its folder) as one HTML file at ``out_path``."""
    import markdown

    text = summary_md.read_text()
    body = markdown.markdown(text, extensions=["tables"])
    folder = summary_md.parent

    def embed(match: re.Match) -> str:
        name = match.group(1)
        path = folder / name
        if not path.is_file() or path.suffix.lower() != ".png":
            return match.group(0)
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        return f'src="data:image/png;base64,{data}"'

    body = re.sub(r'src="([^"]+)"', embed, body)
    title = html.escape(text.splitlines()[0].lstrip("# ").strip() if text else "twin report")
    out_path.write_text(f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>"
                        f"<style>{STYLE_CSS}</style></head><body>\n{body}\n</body></html>\n")
    return out_path
