"""Shared test material: the moons article's network; a report cut up for snapshot tests."""

import re

MOONS_ARTICLE_NETWORK = [
    {"input_dim": 2, "output_dim": 25, "activation": "relu"},
    {"input_dim": 25, "output_dim": 50, "activation": "relu"},
    {"input_dim": 50, "output_dim": 50, "activation": "relu"},
    {"input_dim": 50, "output_dim": 25, "activation": "relu"},
    {"input_dim": 25, "output_dim": 1, "activation": "sigmoid"},
]


TIMINGS_SECTION = "Where the time went"


def markdown_sections(markdown: str) -> dict[str, str]:
    """A Markdown report by `## ` section, title -> body: a snapshot's diff names the section."""
    parts = re.split(r"^## (.+)$", markdown, flags=re.MULTILINE)
    sections = {"(title)": parts[0].strip()}
    for title, body in zip(parts[1::2], parts[2::2], strict=True):
        key, n = title, 1
        while key in sections:  # a title used twice keeps both sections
            n += 1
            key = f"{title} ({n})"
        sections[key] = body.strip()
    # Where the time went is timings of this very render: its own tests (test_report_cost.py).
    sections.pop(TIMINGS_SECTION, None)
    return sections


def without_images(html: str) -> str:
    """An HTML report with its embedded pictures' bytes and its timings cut out."""
    html = re.sub(
        rf"<h2[^>]*>{TIMINGS_SECTION}</h2>.*?(?=<h2|</main>|</body>)", "", html, flags=re.DOTALL
    )
    return re.sub(r"data:image/(\w+);base64,[A-Za-z0-9+/=]+", r"data:image/\1;base64,...", html)
