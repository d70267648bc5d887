"""The results site across runs: a static site from the results store (file://, plotly)."""
