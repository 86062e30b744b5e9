"""The trend view: pens from the tag browser, live and historical, stacked or overlaid."""
