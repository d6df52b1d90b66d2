"""Outputs: the renderers (terminal, Markdown, HTML) that draw documents, the plots, summary.md and the
tables, the HTML report, README's generated blocks and the generated pages of docs/."""
